"""The visitors of bench/load.py, for locust (headless; load.py runs it, see its --help).

- `Reader` asks for one public page (`--page`) again and again, without pause, and
  counts as a failure any answer other than 200 or without `--expect` in it.
- `Delegate` is one summit delegate: it takes the next code of `--codes-file`, enters it
  as a browser without JavaScript would (the form, its CSRF token, the redirect to the
  ballot), then votes on every item of the ballot once, each vote followed by the ballot
  it redirects to, and stops. When every code has voted, the run ends.

Delegates speak to the app as the reverse proxy in front of it would: X-Forwarded-Proto
is https and each delegate has an X-Forwarded-For address of its own. The session cookie
is Secure, so their cookie jar sends Secure cookies over the plain HTTP between proxy and
app, as the proxy does.

Locust writes its CSV files once a second while it runs: they are written once more with
the final figures as it quits, so that bench/load.py reads every request.
"""
import csv
import itertools
import random
import re
from http.cookiejar import DefaultCookiePolicy

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: The vote forms of the ballot, one per item.
VOTE_FORM = re.compile(r'action="(/c/[^/"]+/vote/\d+)"')
VALUES = ("agree", "disagree", "pass")
#: Seconds a delegate waits for an answer.
PATIENCE = 300.0


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--page", default="/", help="Reader: the path to ask for")
    parser.add_argument("--expect", default="", help="Reader: text every answer must contain")
    parser.add_argument("--slug", default="", help="Delegate: the consultation's slug")
    parser.add_argument("--codes-file", default="", help="Delegate: one delegate code a line")


@events.quitting.add_listener
def _final_csv(environment, **_kwargs) -> None:
    """Write locust's statistics and failures files with the final figures."""
    prefix = environment.parsed_options.csv_prefix
    if not prefix:
        return
    figures = StatsCSV(environment, PERCENTILES_TO_REPORT)
    with open(f"{prefix}_stats.csv", "w", newline="") as stats:
        figures.requests_csv(csv.writer(stats))
    with open(f"{prefix}_failures.csv", "w", newline="") as failures:
        figures.failures_csv(csv.writer(failures))


class Reader(FastHttpUser):
    """A visitor reading the same public page, as fast as the server answers."""

    wait_time = constant(0)

    @task
    def read(self) -> None:
        options = self.environment.parsed_options
        expected = options.expect.encode()
        with self.client.get(options.page, catch_response=True) as response:
            if response.status_code == 200 and expected not in (response.content or b""):
                response.failure(f"{options.expect!r} is missing")


class Summit:
    """The codes to hand out, and how many delegates have finished voting."""

    def __init__(self, codes: list[str]):
        self.codes = codes
        self.handed_out = itertools.count()
        self.finished = 0

    def finish(self, environment) -> None:
        self.finished += 1
        if self.finished == len(self.codes):
            gevent.spawn(environment.runner.quit)


summit: Summit | None = None


@events.test_start.add_listener
def _load_codes(environment, **_kwargs) -> None:
    """The delegate codes bench/load.py made, before the first delegate arrives."""
    global summit
    if environment.parsed_options.codes_file:
        with open(environment.parsed_options.codes_file) as lines:
            summit = Summit([line.strip() for line in lines if line.strip()])


class BehindTheProxy(DefaultCookiePolicy):
    """TLS ends at the reverse proxy: Secure cookies go on to the app over plain HTTP."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


def _address(index: int) -> str:
    """A private address of its own for delegate number `index`."""
    return f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"


class Delegate(FastHttpUser):
    """One delegate: enters their code, votes on each item once, then stops."""

    wait_time = constant(0)
    #: A crowd with no pause queues up at the server: a delegate waits this long for an
    #: answer (locust's default is 60 s) before it counts as an error.
    connection_timeout = network_timeout = PATIENCE

    def on_start(self) -> None:
        self.index = next(summit.handed_out)
        if self.index >= len(summit.codes):
            raise StopUser()
        self.headers = {"X-Forwarded-For": _address(self.index), "X-Forwarded-Proto": "https"}
        self.slug = self.environment.parsed_options.slug
        self.ballot_path = f"/c/{self.slug}/vote"
        self.random = random.Random(self.index)
        self.client.cookiejar.set_policy(BehindTheProxy())

    def _page(self, path: str, name: str, expect: str) -> str:
        """GET a page of the vote; '' (and a failure counted) unless it is a 200 that
        contains `expect`."""
        with self.client.get(path, name=name, headers=self.headers,
                             catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200 or expect not in text:
                response.failure(f"HTTP {response.status_code}, {expect!r} "
                                 f"{'found' if expect in text else 'missing'}")
                return ""
            return text

    def _post(self, path: str, name: str, form: dict, expected_location: str) -> bool:
        """POST a form; whether it redirected where a success does (a failure otherwise)."""
        with self.client.post(path, name=name, data=form, headers=self.headers,
                              allow_redirects=False, catch_response=True) as response:
            location = (response.headers or {}).get("Location", "").split("#")[0]
            if response.status_code != 302 or not location.endswith(expected_location):
                response.failure(f"HTTP {response.status_code} to {location!r}")
                return False
            return True

    @task
    def vote(self) -> None:
        delegate_path = f"/c/{self.slug}/delegate"
        page = self._page(delegate_path, "delegate page", 'name="code"')
        token = CSRF_TOKEN.search(page)
        if token is not None and self._post(
                delegate_path, "delegate code",
                {"code": summit.codes[self.index], "csrf_token": token.group(1)},
                self.ballot_path):
            self._cast_votes(self._page(self.ballot_path, "ballot", 'class="vote"'))
        summit.finish(self.environment)
        raise StopUser()

    def _cast_votes(self, ballot: str) -> None:
        """Vote on every item of the ballot, as the ballot's forms do, reading the ballot
        each vote redirects to (it must count one more vote each time)."""
        token = CSRF_TOKEN.search(ballot)
        actions = VOTE_FORM.findall(ballot)
        for done, action in enumerate(actions if token else [], start=1):
            if not (self._post(action, "vote", {"value": self.random.choice(VALUES),
                                                "csrf_token": token.group(1)},
                               self.ballot_path)
                    and self._page(self.ballot_path, "ballot",
                                   f'<progress max="{len(actions)}" value="{done}"')):
                return
