"""Clicks and keystrokes to turn seed article 004 into its figures and quotes through the suggestions page.

    .venv/bin/python bench/workbench_clicks.py [--port 8765] [--shots /tmp/shots/suggest]

Article 004 is fixtures/seed/texts/smk-decommunization-central-asia.txt (/work/shared/seeds/004_…): 40,000
characters, 19 figures and 37 quotes in the curated corpus. The script loads the seed corpus into a fresh SQLite
database, removes that article's figures and claims, serves the site (manage.py runserver) and drives Chromium
as a curator would, with the corpus's records as the answer:

- a suggestion that matches a record (figure: the spans overlap; quote: they overlap by half the shorter) is
  corrected where it differs from the record — value text typed again, metric, subject or speaker picked in the
  autocomplete (a click to open, the letters typed until the name is offered, a click on it), the period typed,
  the qualifier chosen — then accepted with one click;
- a quote whose record spans other words is made from a selection of those words (one drag, one click on "New
  quote from selection"), as is a record no suggestion finds; a figure likewise;
- every other suggestion is rejected (one click), so the page ends empty.

Counted: clicks (a drag to select text counts as one) and keystrokes (each character typed). Not counted: logging
in, and what the suggestion form does not hold (a figure's attribution, origin, dimensions and note; a claim's
"about") — the by-hand figure for comparison (12–14 clicks per figure in the admin's figure form) counts the six
fields the form asks for.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

SOURCE = "smk-decommunization-central-asia"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "pw-for-the-bench-only"

SELECT_JS = """([start, end]) => {
    const pieces = Array.from(document.querySelectorAll('#source-text [data-start]'));
    function point(offset) {
        let chosen = pieces[0];
        for (const piece of pieces) {
            if (Number(piece.dataset.start) <= offset) { chosen = piece; } else { break; }
        }
        const node = chosen.firstChild;
        return [node, Math.min(offset - Number(chosen.dataset.start), node.textContent.length)];
    }
    const range = document.createRange();
    range.setStart(...point(start));
    range.setEnd(...point(end));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    document.dispatchEvent(new Event('selectionchange'));
}"""

FORMS_JS = """() => Array.from(document.querySelectorAll('fieldset.suggestion')).map(f => {
    const value = name => { const e = f.querySelector(`[name="${f.id}-${name}"]`); return e ? e.value : null; };
    return {prefix: f.id, kind: value('kind'), start: Number(value('start')), end: Number(value('end')),
            span: value('span'), value_text: value('value_text'), metric: value('metric'), subject: value('subject'),
            period: value('period'), qualifier: value('qualifier'), quote: value('quote'), speaker: value('speaker')};
})"""


@dataclass
class Tally:
    clicks: int = 0
    keys: int = 0
    by_kind: dict = field(default_factory=lambda: {"figure": [0, 0, 0], "quote": [0, 0, 0], "reject": [0, 0, 0]})
    notes: list = field(default_factory=list)

    def add(self, kind: str, clicks: int = 0, keys: int = 0):
        self.clicks += clicks
        self.keys += keys
        self.by_kind[kind][0] += clicks
        self.by_kind[kind][1] += keys


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(environment: dict) -> None:
    """A fresh database with the seed corpus, less article 004's figures and claims, and a curator."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, env=environment, cwd=ROOT)
    subprocess.run([*manage, "seed", "--verbosity", "0"], check=True, env=environment, cwd=ROOT)
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from claims.models import Claim, Figure, Review

    Review.objects.filter(figure__source__slug=SOURCE).delete()
    Review.objects.filter(claim__source__slug=SOURCE).delete()
    Figure.objects.filter(source__slug=SOURCE).delete()
    Claim.objects.filter(source__slug=SOURCE).delete()
    curator = User.objects.create_user("curator", password=PASSWORD, is_staff=True)
    curator.groups.add(Group.objects.get(name="Curator"))


def answer_key(text: str):
    from claims import anchors

    corpus = json.loads((ROOT / "fixtures" / "seed" / "corpus.json").read_text(encoding="utf-8"))
    figures, claims = [], []
    for record in corpus["figures"]:
        if record["source"] == SOURCE:
            found = anchors.locate(text, record["value_text"], context=record.get("context") or "")
            figures.append({**record, "span": (found.start, found.end)})
    for record in corpus["claims"]:
        if record["source"] == SOURCE:
            found = anchors.locate(text, record["quote"], context=record.get("context") or "")
            claims.append({**record, "span": (found.start, found.end)})
    return figures, claims


def overlap(a, b) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def quote_matches(a, b) -> bool:
    shorter = min(a[1] - a[0], b[1] - b[0])
    return shorter > 0 and overlap(a, b) * 2 >= shorter


class Curator:
    def __init__(self, page, base: str, source, tally: Tally):
        from claims.models import Entity, Metric

        self.page, self.base, self.source, self.tally = page, base, source, tally
        self.entities = {entity.slug: entity for entity in Entity.objects.all()}
        self.metrics = {metric.slug: metric for metric in Metric.objects.all()}
        self.url = f"{base}/admin/sources/source/{source.pk}/suggestions/"

    def forms(self) -> list[dict]:
        return self.page.evaluate(FORMS_JS)

    def pick(self, kind: str, prefix: str, name: str, label: str, search: str):
        """Choose in an autocomplete: a click to open it, letters typed until the choice is offered, a click."""
        page = self.page
        page.click(f"fieldset#{prefix} .field-{name} .select2-selection")
        clicks, typed = 1, ""
        option = page.locator(".select2-results__option", has_text=label)
        for letter in search:
            typed += letter
            page.keyboard.type(letter)
            page.wait_for_timeout(350)  # the autocomplete's delay, then its answer
            exact = option.filter(has_text=label)
            if exact.count() and len(typed) >= 3:
                break
        page.locator(".select2-results__option", has_text=label).first.wait_for(timeout=10_000)
        page.locator(".select2-results__option", has_text=label).first.click()
        self.tally.add(kind, clicks + 1, len(typed))

    def clear(self, kind: str, prefix: str, name: str):
        self.page.click(f"fieldset#{prefix} .field-{name} .select2-selection__clear")
        self.page.keyboard.press("Escape")
        self.tally.add(kind, 1)

    def type_into(self, kind: str, selector: str, text: str):
        self.page.fill(selector, text)
        self.tally.add(kind, 1, len(text))  # a click into the field, then the text

    def submit(self, kind: str, selector: str) -> bool:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.tally.add(kind, 1)
        errors = self.page.locator("fieldset.suggestion .errorlist, .messagelist .error")
        if errors.count():
            self.tally.notes.append(f"refused: {errors.first.inner_text()[:160]}")
            return False
        return True

    def select_text(self, kind: str, start: int, end: int, which: str):
        self.page.evaluate(SELECT_JS, [start, end])
        self.tally.add(kind, 1)  # one drag over the words
        self.page.wait_for_selector(f"#new-{which}-from-selection:not([disabled])")
        with self.page.expect_navigation():
            self.page.click(f"#new-{which}-from-selection")
        self.page.wait_for_selector("fieldset.suggestion-new")
        self.tally.add(kind, 1)

    # -- what the curator does with each suggestion
    def record_figure(self, form: dict, key: dict) -> bool:
        from claims.parsing import format_period, parse_value_text

        prefix = form["prefix"]
        if form["value_text"] != key["value_text"]:
            self.type_into("figure", f"input[name={prefix}-value_text]", key["value_text"])
        metric = self.metrics[key["metric"]]
        if form["metric"] != str(metric.pk):
            self.pick("figure", prefix, "metric", str(metric), metric.name)
        subject = self.entities[key["subject"]]
        if form["subject"] != str(subject.pk):
            self.pick("figure", prefix, "subject", subject.name, subject.name)
        period = format_period(date.fromisoformat(key["period_start"]), date.fromisoformat(key["period_end"]),
                               key["period_precision"])
        if form["period"] != period:
            self.type_into("figure", f"input[name={prefix}-period]", period)
        try:
            reading = parse_value_text(key["value_text"]).qualifier
        except ValueError:
            reading = None
        # The qualifier the engine showed is its reading of the text; the value text decides unless one is chosen.
        if key["qualifier"] != reading:
            self.page.select_option(f"select[name={prefix}-qualifier]", key["qualifier"])
            self.tally.add("figure", 2)
        return self.submit("figure", f"button[name=accept][value={prefix}]")

    def record_quote(self, form: dict, key: dict) -> bool:
        prefix = form["prefix"]
        speaker = self.entities.get(key.get("speaker") or "")
        if speaker is not None and form["speaker"] != str(speaker.pk):
            self.pick("quote", prefix, "speaker", speaker.name, speaker.name)
        elif speaker is None and form["speaker"]:
            self.clear("quote", prefix, "speaker")
        return self.submit("quote", f"button[name=accept][value={prefix}]")


def run(base: str, shots: Path | None) -> Tally:
    from playwright.sync_api import sync_playwright

    from sources.models import Source

    source = Source.objects.get(slug=SOURCE)
    figures, claims = answer_key(source.text)
    tally = Tally()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "curator")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        curator = Curator(page, base, source, tally)
        page.goto(f"{base}/admin/sources/source/{source.pk}/change/")
        page.click("#suggestions-link")
        tally.add("figure", 1)
        page.wait_for_load_state("load")
        if shots:
            page.screenshot(path=str(shots / "clicks-start.png"))
        done_figures, done_claims, skipped = set(), set(), set()
        began = time.perf_counter()
        while time.perf_counter() - began < 1200:
            forms = [form for form in curator.forms() if form["prefix"] != "new"
                     and (form["kind"], form["start"], form["end"]) not in skipped]
            if not forms:
                break
            form = forms[0]
            span = (form["start"], form["end"])
            ok = True
            if form["kind"] == "figure":
                key = next((k for k in figures if k["ref"] not in done_figures and overlap(span, k["span"])), None)
                if key is not None:
                    ok = curator.record_figure(form, key)
                    if ok:
                        done_figures.add(key["ref"])
            else:
                key = next((k for k in claims if k["ref"] not in done_claims and quote_matches(span, k["span"])),
                           None)
                if key is not None and tuple(key["span"]) == span:
                    ok = curator.record_quote(form, key)
                elif key is not None:
                    # The record spans other words: select them and start the quote from the selection.
                    curator.select_text("quote", *key["span"], "quote")
                    ok = curator.record_quote({"prefix": "new", "speaker": page.locator(
                        "select[name=new-speaker]").input_value()}, key)
                if key is not None and ok:
                    done_claims.add(key["ref"])
            if key is None:
                ok = curator.submit("reject", f"button[name=reject][value={form['prefix']}]")
            if not ok:
                skipped.add((form["kind"], form["start"], form["end"]))
                page.goto(curator.url)
        # Records no suggestion led to: from a selection.
        for key in figures:
            if key["ref"] not in done_figures:
                page.goto(curator.url)
                curator.select_text("figure", *key["span"], "figure")
                new = {"prefix": "new", "value_text": key["value_text"], "metric": page.locator(
                    "select[name=new-metric]").input_value(), "subject": page.locator(
                    "select[name=new-subject]").input_value(), "period": "", "qualifier": ""}
                if curator.record_figure(new, key):
                    done_figures.add(key["ref"])
        for key in claims:
            if key["ref"] not in done_claims:
                page.goto(curator.url)
                curator.select_text("quote", *key["span"], "quote")
                if curator.record_quote({"prefix": "new", "speaker": page.locator(
                        "select[name=new-speaker]").input_value()}, key):
                    done_claims.add(key["ref"])
        if shots:
            page.goto(curator.url)
            page.screenshot(path=str(shots / "clicks-end.png"))
        browser.close()
    tally.by_kind["figure"][2] = len(done_figures)
    tally.by_kind["quote"][2] = len(done_claims)
    tally.notes.append(f"recorded {len(done_figures)} of {len(figures)} figures and {len(done_claims)} of "
                       f"{len(claims)} quotes")
    return tally


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--port", type=int, default=0)
    options.add_argument("--shots", type=Path, default=None, help="a folder for two screenshots")
    args = options.parse_args()
    port = args.port or free_port()
    folder = tempfile.mkdtemp(prefix="workbench-clicks-")
    environment = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                   "DJANGO_SETTINGS_MODULE": "factbase.settings", "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}
    prepare(environment)
    server = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"],
                              env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
        tally = run(f"http://127.0.0.1:{port}", args.shots)
    finally:
        server.terminate()
        server.wait(timeout=10)
    figures, quotes, rejects = (tally.by_kind[kind] for kind in ("figure", "quote", "reject"))
    print(f"Seed article 004 ({SOURCE}) through the suggestions page")
    print(f"{'':28} {'records':>8} {'clicks':>7} {'keys':>6} {'clicks/record':>14} {'keys/record':>12}")
    for name, (clicks, keys, records) in (("figures", figures), ("quotes", quotes)):
        print(f"{name:28} {records:>8} {clicks:>7} {keys:>6} {clicks / max(records, 1):>14.1f} "
              f"{keys / max(records, 1):>12.1f}")
    print(f"{'rejected suggestions':28} {rejects[0]:>8} {rejects[0]:>7} {rejects[1]:>6}")
    print(f"{'total':28} {figures[2] + quotes[2]:>8} {tally.clicks:>7} {tally.keys:>6}")
    print("By hand in the admin's figure form: 12–14 clicks per figure (six fields, three of them autocompletes), "
          "and every value, period and quote typed.")
    for note in tally.notes:
        print("note:", note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
