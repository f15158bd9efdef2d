python3 scripts/new_article.py too-many-connections \
    --title-ja "Too many connections: 接続数の上限に達する" \
    --title-en "Too many connections: the server's connection limit is reached"
