#!/usr/bin/env python3
"""Drives `connectq dashboard` in a real headless Chromium (Debian's, through Playwright).

Started by ops/browser-test/run, which brings up Redis, a worker and the dashboard, and
enqueues the jobs named below. Walks the pages as an operator would: the queues, a
delayed job cancelled with its button, the failed list, Retry on the job's page, and the
job seen completed; then the same pages with JavaScript off. Saves screenshots.
"""
import argparse
import re
import sys
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

TIMEOUT_MS = 30_000


def wait_for_server(url, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"FAIL: the dashboard at {url} did not answer within {seconds} s")
        time.sleep(0.2)


def step(text):
    print(f"browser-test: {text}", flush=True)


def with_javascript(browser, base, screenshots):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Cancel and Delete ask first; the operator says yes.
    page.on("dialog", lambda dialog: dialog.accept())

    step("home page lists the queue with its counts, chart and workers")
    page.goto(base + "/")
    expect(page.locator("h1")).to_have_text("Queues")
    queue = page.locator("section#queue-browser")
    expect(queue.locator("h2")).to_contain_text("browser")
    expect(queue.locator("svg.chart")).to_be_visible()
    expect(queue.locator("a.count.completed b")).not_to_have_text("0")
    expect(queue.locator("table")).to_contain_text("alive")

    step("the delayed job, cancelled with its button")
    queue.locator("a.count.delayed").click()
    expect(page.locator("h1")).to_have_text("Jobs in browser: delayed")
    page.get_by_role("link", name="later-1", exact=True).click()
    expect(page.locator("h1")).to_have_text("Job later-1")
    page.locator("#job-summary").get_by_role("button", name="Cancel").click()
    expect(page.locator("#flash")).to_contain_text("Cancel later-1: cancelled")
    expect(page.locator("#job-summary .badge").first).to_have_text("failed")

    step("home, failed jobs, the job, Retry")
    page.get_by_role("link", name="connectq", exact=True).click()
    page.screenshot(path=f"{screenshots}/dashboard-home.png", full_page=True)
    page.locator("section#queue-browser a.count.failed").click()
    expect(page.locator("h1")).to_have_text("Jobs in browser: failed")
    expect(page.locator("tbody")).to_contain_text("later-1")
    expect(page.locator("tbody")).to_contain_text("broken-1")
    page.screenshot(path=f"{screenshots}/dashboard-jobs.png", full_page=True)
    page.get_by_role("link", name="later-1", exact=True).click()
    expect(page.locator("h1")).to_have_text("Job later-1")
    expect(page.locator("body")).to_contain_text("cancelled")
    page.locator("#job-summary").get_by_role("button", name="Retry").click()
    expect(page.locator("#flash")).to_contain_text("Retry later-1: retried")

    step("the job completes (the page refreshes itself)")
    expect(page.locator("#job-summary .badge").first).to_have_text("completed", timeout=60_000)
    expect(page.locator("#job-events")).to_contain_text("completed")
    page.reload()
    page.screenshot(path=f"{screenshots}/dashboard-job.png", full_page=True)

    step("bulk: tick all failed jobs, Delete")
    page.goto(base + "/queues/browser/jobs?state=failed")
    page.locator("input[data-select-all]").check()
    page.locator(".bulk").get_by_role("button", name="Delete").click()
    expect(page.locator("#flash")).to_contain_text("Delete broken-1: removed")
    expect(page.locator("main")).to_contain_text("No job matches.")

    csp = [text for text in problems if "Content Security Policy" in text or "Refused" in text]
    if csp:
        sys.exit("FAIL: the browser blocked something: " + "; ".join(csp))
    context.close()


def without_javascript(browser, base):
    step("JavaScript off: pages, search and Pause/Resume still work")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(base + "/")
    expect(page.locator("section#queue-browser h2")).to_contain_text("running")
    page.locator("section#queue-browser").get_by_role("button", name="Pause").click()
    expect(page.locator("#flash")).to_contain_text("Queue browser paused")
    expect(page.locator("section#queue-browser h2")).to_contain_text("paused")
    page.locator("section#queue-browser").get_by_role("button", name="Resume").click()
    expect(page.locator("#flash")).to_contain_text("Queue browser resumed")

    page.goto(base + "/queues/browser/jobs")
    page.fill("input[name=meta]", "batch=chart")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tbody tr").first).to_contain_text("batch=chart")
    page.get_by_role("link", name="tick all").click()
    expect(page.locator('input[name="ids[]"]').first).to_be_checked()

    page.goto(base + "/queues/browser/job?id=parent-1")
    expect(page.locator("main")).to_contain_text("Children")
    expect(page.locator("main")).to_contain_text("Follow-ups")
    # Without the script nothing refreshes by itself: the operator reloads.
    deadline = time.monotonic() + 60
    while "completed" not in page.locator("#job-summary .badge").first.inner_text():
        if time.monotonic() > deadline:
            sys.exit("FAIL: parent-1 did not complete within 60 s")
        time.sleep(0.5)
        page.reload()
    context.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--screenshots", required=True, help="directory for dashboard-{home,jobs,job}.png")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    wait_for_server(base + "/")
    with sync_playwright() as playwright:
        # --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox"])
        try:
            with_javascript(browser, base, args.screenshots)
            without_javascript(browser, base)
        finally:
            browser.close()
    print("browser-test: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
