from tests.browser.conftest import login

# The live server's first request imports and compiles everything; on a loaded CI machine that alone can take
# most of a minute.
FIRST_LOAD_TIMEOUT = 120_000


def test_officer_drills_down_and_names_a_grid_worker(page, officer_a, grid_worker_a):
    page.set_default_navigation_timeout(FIRST_LOAD_TIMEOUT)
    page.set_default_timeout(FIRST_LOAD_TIMEOUT)
    login(page, "officer_a")
    page.goto("/territory/")
    page.get_by_role("link", name="东城街道").click()
    page.wait_for_url(lambda url: "/territory/" in url and url.rstrip("/").split("/")[-1].isdigit())
    assert page.locator("h1").inner_text() == "东城街道"
    page.get_by_role("link", name="东城一社区").click()
    page.get_by_role("link", name="东城网格1").click()
    assert page.locator("h1").inner_text() == "东城网格1"
    assert "东城区" in page.locator("nav.breadcrumb").inner_text()

    page.locator(".add-responsibility summary").click()
    form = page.locator(".add-responsibility form")
    form.locator("select[name=role]").select_option("grid_worker")
    form.locator("input[name=name]").fill("王网格")
    form.locator("input[name=phone]").fill("13912345678")
    form.locator("input[name=user]").fill("grid_a")
    form.locator("button[type=submit]").click()

    row = page.locator("#responsibilities tbody tr", has_text="王网格")
    row.wait_for()
    assert "139****5678" in row.inner_text()
    page.reload()
    assert page.locator("#responsibilities tbody tr", has_text="王网格").count() == 1


def test_grid_worker_reads_the_tree_on_a_phone(phone_page, grid_worker_a):
    phone_page.set_default_navigation_timeout(FIRST_LOAD_TIMEOUT)
    phone_page.set_default_timeout(FIRST_LOAD_TIMEOUT)
    login(phone_page, "grid_a")
    phone_page.goto("/territory/")
    assert phone_page.locator("h1").inner_text() == "东城网格1"
    assert phone_page.get_by_role("link", name="东城1号楼").is_visible()
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
