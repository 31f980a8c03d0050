"""R-9.3: Chinese by default, English available."""


def test_pages_are_chinese_by_default(client, db):
    body = client.get("/catalog/").content.decode()
    assert "证明事项目录清单" in body and 'lang="zh-hans"' in body


def test_english_is_available_through_the_language_switch(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/catalog/"})
    body = client.get("/catalog/").content.decode()
    assert "Catalog of certification items" in body and 'lang="en"' in body


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client, db):
    body = client.get("/catalog/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "证明事项目录清单" in body
