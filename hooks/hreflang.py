"""Full URLs in every page's hreflang alternates, and an x-default alternate.

mkdocs-static-i18n fills `config.extra.alternate` with each page's translations, and
Material renders them twice: as `<link rel="alternate" hreflang>` in the page's head and
as the language switcher's links. The plugin gives them as paths ("en/causes/", "/en/"),
which Material makes relative to the page ("../en/causes/"). Search engines want them
fully qualified (Google's "Tell Google about localized versions of your page"; Lighthouse's
hreflang audit fails relative ones), so this joins each one to site_url.

x-default (the page for readers of neither language) is the default language's version of
the same page: Japanese, served at the site's root; the Japanese home for the home pages.
Google's post on x-default (Search Central blog, 2023-05-08) gives "the version of the
content that you consider, well, default" as an x-default, with the example of a page's
English version. Pointing every article's x-default at the home page instead would name,
for an article, a page that is not one of its translations. The x-default link is added
to the page's head by overrides/main.html from `x_default` in the page's context; it is not
in `config.extra.alternate`, which would add it to the language switcher.

Absolute links and where the site is served: for the language switcher, Material fetches
sitemap.xml next to every `<link rel="alternate">` (integrations/alternate in its bundle).
So these links must point where the site is actually served, or the browser fetches from
another origin: the tests and scripts/lighthouse.py build with SITE_URL set to the address
they serve from (tests/browser.py: built_and_served), CI with the GitHub Pages address, and
`mkdocs serve` sets site_url to its own address.

The 404 pages' alternates (each language's home, hooks/i18n_workarounds.py) become full
URLs too; they get no x-default (a 404 is not a page for search engines).
"""

from __future__ import annotations

from urllib.parse import urljoin

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority


def absolute_alternates(config) -> list[dict]:
    """config.extra.alternate with each link joined to site_url (a new list)."""
    if not config.site_url:
        raise PluginError("hooks/hreflang.py: hreflang links need full URLs: set site_url")
    alternates = getattr(config.extra, "alternate", None)
    if not alternates:
        raise PluginError(
            "hooks/hreflang.py: no config.extra.alternate (mkdocs-static-i18n's "
            "reconfigure_material fills it); the hreflang links would be missing"
        )
    return [{**alt, "link": urljoin(config.site_url, alt["link"])} for alt in alternates]


# After mkdocs-static-i18n (priority 50) has set this page's translations, and after
# hooks/i18n_workarounds.py (priority 0) has set the 404 page's.
@event_priority(-50)
def on_page_context(context, config, **_kwargs):
    alternates = absolute_alternates(config)
    # Set as an attribute: that is where mkdocs-static-i18n puts each page's (config.extra
    # is a LegacyConfig, whose attributes and items are separate).
    config.extra.alternate = alternates
    default = config.plugins["i18n"].default_language
    context["x_default"] = next(alt["link"] for alt in alternates if alt["lang"] == default)
    return context


@event_priority(-50)
def on_template_context(context, template_name, config):
    if template_name == "404.html":
        config.extra.alternate = absolute_alternates(config)
    return context
