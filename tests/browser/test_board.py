"""The ranking board in Chromium: drag-and-drop and keyboard moves by the VP Sales."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from budgets.selectors import quarter_current
from feature_requests.ranking import ranked

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def ranking():
    """The demo's current quarter: 14 ranked requests, 37 points left, the line after the 6th."""
    return quarter_current()


def board_titles(page) -> list[str]:
    return page.locator("#board tr.board-row .title-cell a").all_inner_texts()


def db_titles(quarter) -> list[str]:
    return list(ranked(quarter).values_list("title", flat=True))


def row(page, title):
    return page.locator("#board tr.board-row").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )


def positions(page) -> list[str]:
    return page.locator("#board tr.board-row td.position").all_inner_texts()


def cut_line_follows(page, title) -> bool:
    return page.locator("#board tr.board-row + tr.cut-line").evaluate(
        "(line, title) => line.previousElementSibling.querySelector('.title-cell a').textContent === title",
        title,
    )


# Tall enough that the 10th and the 2nd row are on screen together for the mouse.
@pytest.mark.parametrize("page", [{"width": 1280, "height": 1600}], indirect=True)
def test_it_lets_the_vp_sales_drag_the_10th_request_to_2nd_place(page, login, ranking):
    login("vp.sales@example.com")
    page.get_by_role("link", name="Ranking", exact=True).click()
    expect(page.get_by_role("heading", name="Ranking board")).to_be_visible()
    before = board_titles(page)
    assert before == db_titles(ranking) and len(before) == 14
    tenth, second = before[9], before[1]
    assert tenth == "Forecast accuracy report"  # 13 points, a $30,000 deal behind it
    assert cut_line_follows(page, before[5])
    expect(row(page, tenth)).to_contain_text("$30,000")

    source = row(page, tenth).locator("td.position").bounding_box()
    target = row(page, second).locator("td.position").bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    page.mouse.down()
    steps = 12
    for step in range(1, steps + 1):
        y = source["y"] + (target["y"] + target["height"] * 0.3 - source["y"]) * step / steps
        page.mouse.move(source["x"] + source["width"] / 2, y)
        page.wait_for_timeout(30)
    page.mouse.up()

    expect(page.locator("#board-announcer")).to_have_text(f"Moved “{tenth}” from position 10 to 2.")
    expected = [before[0], tenth, *before[1:9], *before[10:]]
    assert db_titles(ranking) == expected
    # The answer swapped in only the changed rows, and the page reads as the fresh board does:
    # the order, the positions, the cumulative points and the cut line.
    assert board_titles(page) == expected
    assert positions(page) == [str(n) for n in range(1, 15)]
    # 8 + 13 = 21 points after two rows now. With 37 points left (3 are committed), the
    # line moved up from after the 6th row to after the 4th: the 5th would reach 39.
    expect(row(page, tenth).locator("td.cumulative")).to_have_text("21")
    assert cut_line_follows(page, expected[3])
    expect(page.locator("#board tr.cut-line")).to_have_count(1)
    on_page = page.locator("#board td.cumulative").all_inner_texts()
    page.reload()
    assert board_titles(page) == expected
    assert page.locator("#board td.cumulative").all_inner_texts() == on_page
    assert cut_line_follows(page, expected[3])


def test_it_lets_the_vp_sales_move_by_keyboard(page, login, ranking):
    login("vp.sales@example.com")
    page.goto(f"/board/{ranking.label}/")
    tenth = board_titles(page)[9]
    # Each Move button says which request it moves.
    row(page, tenth).get_by_role("button", name=f"Move “{tenth}”", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("group", name=f"Move “{tenth}”")).to_be_visible()
    page.keyboard.press("Enter")  # "Up" has the focus
    expect(page.locator("#board-announcer")).to_have_text(f"Moved “{tenth}” from position 10 to 9.")
    assert db_titles(ranking)[8] == tenth

    page.get_by_role("spinbutton", name="New position").fill("2")
    page.keyboard.press("Enter")
    expect(page.locator("#board-announcer")).to_have_text(f"Moved “{tenth}” from position 9 to 2.")
    page.get_by_role("button", name="To top").click()
    expect(page.locator("#board-announcer")).to_have_text(f"Moved “{tenth}” from position 2 to 1.")
    page.get_by_role("button", name="To bottom").click()
    expect(page.locator("#board-announcer")).to_have_text(f"Moved “{tenth}” from position 1 to 14.")
    assert board_titles(page)[-1] == tenth
    assert positions(page) == [str(n) for n in range(1, 15)]
    page.reload()
    assert board_titles(page)[-1] == tenth
    assert db_titles(ranking)[-1] == tenth


def test_it_shows_a_stale_board_the_fresh_order(
    page, login, ranking, browser, live_server, console_errors
):
    login("vp.sales@example.com")
    page.goto(f"/board/{ranking.label}/")
    last, fifth = board_titles(page)[-1], board_titles(page)[4]
    # Another leader moves the last request to the top meanwhile, in their own browser.
    other = browser.new_context(base_url=live_server.url)
    other_page = other.new_page()
    other_page.goto("/accounts/login/")
    other_page.get_by_label("E-mail").fill("manager.east@example.com")
    other_page.get_by_label("Password").fill("forcerank-demo")
    other_page.get_by_role("button", name="Log in").click()
    other_page.goto(f"/board/{ranking.label}/")
    row(other_page, last).get_by_role("button", name="Move").click()
    other_page.get_by_role("button", name="To top").click()
    expect(other_page.locator("#board-announcer")).to_have_text(
        f"Moved “{last}” from position 14 to 1."
    )
    other.close()

    row(page, fifth).get_by_role("button", name="Move").click()
    page.get_by_role("button", name="To top").click()
    expect(page.get_by_role("alert")).to_contain_text("The ranking changed since you loaded it")
    assert board_titles(page)[0] == last
    assert db_titles(ranking)[0] == last
    assert db_titles(ranking)[5] == fifth  # not moved: only shifted down by the other move
    console_errors.remove(
        "Failed to load resource: the server responded with a status of 409 (Conflict)"
    )


def test_it_skips_to_the_cut_line(page, login, ranking):
    login("rep.west1@example.com")
    page.goto(f"/board/{ranking.label}/")
    page.get_by_role("link", name="Skip to the cut line").click()
    expect(page.locator("#board tr.cut-line")).to_be_focused()


def test_it_shows_a_rep_the_board_without_reorder_controls(page, login, ranking):
    login("rep.west1@example.com")
    page.goto(f"/board/{ranking.label}/")
    expect(page.locator("#board tr.board-row")).to_have_count(14)
    expect(page.get_by_role("button", name="Move")).to_have_count(0)
    expect(page.locator("#board")).to_have_attribute("data-can-move", "false")


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_it_fits_the_board_and_its_move_buttons_on_a_phone(page, login, ranking):
    login("vp.sales@example.com")
    page.goto(f"/board/{ranking.label}/")
    move = row(page, board_titles(page)[0]).get_by_role("button", name="Move")
    move.scroll_into_view_if_needed()
    expect(move).to_be_in_viewport()  # not off to the right, behind a sideways scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#board .table-wrap").evaluate("el => el.scrollWidth <= el.clientWidth")


def test_it_says_so_when_the_server_cannot_answer_a_move(page, login, ranking, console_errors):
    login("vp.sales@example.com")
    page.get_by_role("link", name="Ranking", exact=True).click()
    before = board_titles(page)
    # The answer a database outage gets (config.outage): 503 with a short message.
    page.route(
        "**/move/",
        lambda route: route.fulfill(
            status=503,
            content_type="text/plain",
            body="The database is unreachable. Try again in a moment.",
        ),
    )
    row(page, before[9]).get_by_role("button", name="Move").click()
    page.get_by_role("button", name="To top").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The server could not answer (503). The database is unreachable. Try again in a moment."
    )
    assert board_titles(page) == before  # nothing pretended to move
    # The browser and htmx log the 503 themselves; nothing else went wrong.
    assert all("503" in error for error in console_errors), console_errors
    console_errors.clear()
