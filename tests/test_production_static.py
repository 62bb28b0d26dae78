"""The Docker image's steps, run without Docker, serve the admin and the public pages with their hashed
static files under production settings (a collectstatic run with DEBUG on left no manifest: every page
was a 500)."""

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # python and gunicorn, as the image has them on its PATH


def dockerfile():
    """The ENV values, RUN commands and CMD shell line of the Dockerfile."""
    env, runs, cmd = {}, [], None
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for line in text.splitlines():
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
        elif instruction == "RUN":
            runs.append(rest)
        elif instruction == "CMD":
            cmd = json.loads(rest)
    assert cmd[:2] == ["sh", "-c"]
    return env, runs, cmd[2]


def production_env(tmp_path, **more):
    # As docker-compose.yml runs the web service, on a database and a static folder of the test's own.
    unset = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    image_env, _, _ = dockerfile()
    return {**clean, **image_env, "PATH": f"{BIN}{os.pathsep}{clean.get('PATH', '')}",
            "STATIC_ROOT": str(tmp_path / "staticfiles"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0", **more}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The image's build step for static files, then its CMD (migrate, seed, gunicorn) on 127.0.0.1."""
    tmp_path = tmp_path_factory.mktemp("image")
    _, runs, cmd = dockerfile()
    collectstatic = [run for run in runs if "collectstatic" in run]
    assert len(collectstatic) == 1
    env = production_env(tmp_path)
    built = subprocess.run(["sh", "-c", collectstatic[0]], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()

    assert "gunicorn -c factbase/gunicorn.conf.py" in cmd  # which binds 0.0.0.0:8000 unless GUNICORN_BIND says
    run_env = {**env, "SECRET_KEY": "x" * 50 + "-test-only", "WEB_CONCURRENCY": "1",  # compose sets the key
               "GUNICORN_BIND": "127.0.0.1:0"}  # a free port, on this machine only
    process = subprocess.Popen(["sh", "-c", cmd], cwd=ROOT, env=run_env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        yield f"http://{listening_address(process)}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def listening_address(process, timeout=120) -> str:
    """Read gunicorn's log until it says where it listens.

    A thread reads the log: select() on the pipe would miss a line already read ahead into the file's buffer
    (two lines written at once, as on a busy machine), and the thread keeps the pipe drained afterwards."""
    lines = queue.Queue()

    def read():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    output = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        output.append(line)
        if found := re.search(r"Listening at: http://([\d.]+:\d+)", line):
            return found.group(1)
    pytest.fail("gunicorn did not start:\n" + "".join(output))


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers, response.read()


def stylesheets(page: bytes) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.decode())


def test_the_admin_and_a_public_page_serve_their_hashed_static_files(server):
    for path, own in (("/admin/login/", "/static/admin/css/base."), ("/figures/", "/static/factbase.")):
        status, headers, page = get(server + path)
        assert status == 200, path
        links = stylesheets(page)
        assert any(link.startswith(own) for link in links), links
        for link in links:
            # Hashed by the manifest storage: factbase.5ead8a2900b9.css, served for good by whitenoise.
            assert re.search(r"\.[0-9a-f]{12}\.css$", link), link
            status, headers, body = get(server + link)
            assert status == 200 and headers["Content-Type"].startswith("text/css") and body, link
            assert "immutable" in headers["Cache-Control"], link


def test_the_seeded_corpus_is_on_the_public_pages(server):
    # The CMD seeds the database: the first visitor sees the corpus.
    status, _, page = get(server + "/figures/?q=Zhanaozen")
    assert status == 200 and b"data-figure-id=" in page
