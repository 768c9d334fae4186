from tests.browser.conftest import login


def test_user_logs_in_and_sees_chinese_ui(page, grid_worker_a):
    login(page, "grid_a")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "grid_a" in page.locator("header.topbar").inner_text()
