"""A grid worker's day on a phone: the inbox, a household visit, members ticked, done."""

from fangkong.tasks.models import Task
from fangkong.tasks.services import task_create
from fangkong.tasks.tests.conftest import assign, make_household
from fangkong.territory.models import Responsibility
from tests.browser.conftest import login


def test_grid_worker_completes_a_household_visit_on_a_phone(phone_page, city, grid_worker_a):
    page = phone_page
    assign(city.a.grid, Responsibility.Role.GRID_WORKER, grid_worker_a)
    household = make_household(city.a.building, "101", "张三", "李四")
    task = task_create(kind="household_visit", title="入户走访 101", unit=city.a.building, household=household)
    card = f"#task-{task.pk}"

    login(page, "grid_a")
    page.goto("/tasks/")
    page.wait_for_selector(card)
    assert "东城1号楼 101" in page.locator(card).inner_text()
    # Accept in place (htmx swaps the card), then open it.
    page.click(f"{card} button[type=submit]")
    page.wait_for_selector(f'{card}[data-status="accepted"]')
    page.click(f"{card} a[role=button]")
    page.wait_for_url(f"**/tasks/{task.pk}/")

    page.get_by_label("张三").check()
    page.get_by_label("李四").check()
    page.check("input[name=complete-outcome][value=visited_all_present]")
    page.fill("textarea[name=complete-note]", "两人在家，体温正常")
    page.click("button[name=complete]")

    page.wait_for_selector('article.task-detail[data-status="done"]')
    assert "两人在家" in page.locator("article.task-detail").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.outcome == "visited_all_present"
    assert [m["present"] for m in task.outcome_data["members"]] == [True, True]
