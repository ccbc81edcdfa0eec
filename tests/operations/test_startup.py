"""What a process loads when it starts: the app without the libraries that only an
analysis, a PDF or a spreadsheet needs, so that every web process, worker and command
starts quickly and small (docs/benchmarks.md, "A lean process")."""
import subprocess
import sys

from tests.operations.servers import ROOT, production_environment

#: Loaded by the work that needs them, never by importing the app.
HEAVY = ("docx", "numpy", "openpyxl", "pandas", "pypdf", "scipy", "sklearn", "spacy", "weasyprint")

LOADED = ("import sys, wsgi; "
          f"print(' '.join(sorted(name for name in {HEAVY!r} if name in sys.modules)))")


def test_the_app_starts_without_the_heavy_libraries(tmp_path):
    environment = production_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'consult.sqlite'}",
        CONSULT_INSTANCE_DIR=str(tmp_path), LOG_FORMAT="text")
    result = subprocess.run([sys.executable, "-c", LOADED], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
