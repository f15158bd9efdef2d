"""Workarounds for mkdocs-static-i18n: every language its own 404 page and language
switcher there, and the site map where Material looks for it.

404.html: mkdocs-static-i18n builds the default language into site/ and then builds
each other language into site/<lang>/ by running the whole build again with the same
site_dir. Each run renders the theme's 404.html at the root of site_dir, so the last
language built overwrites the default language's and no language directory gets its
own (upstream issues ultrabug/mkdocs-static-i18n#284 and #326). After each
language's build, this moves that language's 404.html into its directory and puts
the default language's back:  site/404.html (ja), site/en/404.html (en).

sitemap.xml: for the language switcher, Material fetches sitemap.xml relative to every
`<link rel="alternate">` of a page, and mkdocs-static-i18n points those at the page's
translations (/en/error-messages/ -> /en/error-messages/sitemap.xml). Without a file
there, every page logs a 404 in the browser console. This copies the site map (it
lists both languages) next to every page. (Those links are full URLs from site_url,
hooks/hreflang.py: the site must be built for the address it is served at.)

The 404 page's language switcher: mkdocs-static-i18n points the switcher at the
translations of the page rendered last, so the English 404 offered the Japanese
article, not the home page. This resets it to each language's home page.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

_default_404: bytes | None = None


def on_post_build(config, **_kwargs) -> None:
    site = Path(config.site_dir)
    _move_404_into_its_language(config.plugins["i18n"], site)
    _copy_sitemap_next_to_every_page(site)


def _move_404_into_its_language(i18n, site: Path) -> None:
    global _default_404
    page_404 = site / "404.html"
    if i18n.current_language == i18n.default_language:
        _default_404 = page_404.read_bytes()
    else:
        if _default_404 is None:
            raise RuntimeError(
                "hooks/i18n_workarounds.py expects the default language to be built first"
            )
        (site / i18n.current_language / "404.html").write_bytes(page_404.read_bytes())
        page_404.write_bytes(_default_404)


def _copy_sitemap_next_to_every_page(site: Path) -> None:
    sitemap = (site / "sitemap.xml").read_bytes()
    for index in site.rglob("index.html"):
        (index.parent / "sitemap.xml").write_bytes(sitemap)


def on_template_context(context, template_name, config):
    if template_name == "404.html":
        # Each language's home page, as mkdocs-static-i18n computes it for the home page.
        homes = getattr(config.plugins["i18n"], "extra_alternate", None)
        if not homes:
            raise RuntimeError(
                "hooks/i18n_workarounds.py: mkdocs-static-i18n no longer has "
                "extra_alternate; update the 404 page's language switcher here"
            )
        # Set as an attribute: that is where the plugin puts each page's (config.extra is a
        # LegacyConfig, whose attributes and items are separate).
        config.extra.alternate = deepcopy(homes)
    return context
