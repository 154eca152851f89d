"""Read a PDF in a child process with CPU-time, memory and wall-clock limits.

A crafted PDF of a few kilobytes can keep pypdf busy for minutes (a compressed content stream of millions of
operators) or make it allocate gigabytes; run in a worker it would hold the worker as long. Here the child sets
its own ``RLIMIT_CPU`` and ``RLIMIT_AS`` before importing pypdf, reads the PDF from stdin and writes one JSON
object to stdout; the parent also kills it after a wall-clock timeout. Any limit hit is a ReadLimitError.

A scan is read by OCR in the same child (``reading.read_return``): tesseract runs as the child's own child,
under the same limits per process, and the whole reading within ``Limits.ocr_seconds``.

Run as ``python -m taxprofiles.form1040.sandbox CPU_SECONDS MEMORY_BYTES [OCR_SECONDS] < file.pdf``.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taxprofiles.form1040.fields import ActiveContentError, DocumentError, ReadLimitError

if TYPE_CHECKING:
    from taxprofiles.form1040.reading import Reading

MODULE = "taxprofiles.form1040.sandbox"
# The directory holding the ``taxprofiles`` package: the child's working directory, so ``-m`` finds it.
IMPORT_ROOT = Path(__file__).resolve().parents[2]
TOO_SLOW = (
    "The PDF took too long to read; it may be damaged or crafted: "
    "download the return again from the tax software and upload the new copy."
)
TOO_BIG = (
    "The PDF needed too much memory to read; it may be damaged or crafted: "
    "download the return again from the tax software and upload the new copy."
)
CRASHED = (
    "The PDF could not be read safely; it may be damaged or crafted: "
    "download the return again from the tax software and upload the new copy."
)
_ERRORS: dict[str, type[DocumentError]] = {
    "DocumentError": DocumentError,
    "ActiveContentError": ActiveContentError,
    "ReadLimitError": ReadLimitError,
}


@dataclass(frozen=True)
class Limits:
    """What one reading may use. A real 20-page return reads in well under a second and 100 MB."""

    cpu_seconds: int = 10  # per process: the child, and each tesseract it runs on a page of a scan
    memory_bytes: int = 768 * 1024 * 1024  # address space: the interpreter, the parsers and PDFium take ~150 MB
    wall_seconds: float = 120.0  # CPU time plus waiting for a core when the machine is busy; a scan's OCR
    ocr_seconds: float = 90.0  # a scan's OCR, all pages together


LIMITS = Limits()


def read_return_sandboxed(data: bytes, *, limits: Limits | None = None) -> Reading:
    """Return ``reading.read_return(data)`` (text and figures; a scan read by OCR) computed in the child."""
    from taxprofiles.form1040.reading import Reading  # not at the top: the child imports parsers under its limits

    return Reading.from_json(_run_child(data, limits or LIMITS))


def _run_child(data: bytes, limits: Limits) -> dict[str, Any]:
    command = [
        sys.executable,
        "-E",
        "-s",
        "-m",
        MODULE,
        str(limits.cpu_seconds),
        str(limits.memory_bytes),
        str(limits.ocr_seconds),
    ]
    try:
        finished = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=limits.wall_seconds,
            cwd=IMPORT_ROOT,
            env={"PATH": os.environ.get("PATH", "")},  # the child needs no settings and sees no secrets
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ReadLimitError(TOO_SLOW) from exc
    if finished.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise ReadLimitError(TOO_SLOW)
    try:
        answer = json.loads(finished.stdout)
    except ValueError:
        answer = None
    if finished.returncode != 0 or not isinstance(answer, dict):
        raise ReadLimitError(CRASHED)
    if "error" in answer:
        raise _ERRORS.get(answer.get("kind", ""), DocumentError)(str(answer["error"]))
    return answer


def _limit_self(cpu_seconds: int, memory_bytes: int) -> None:
    # SIGXCPU at the soft limit (its default action ends the process), SIGKILL a second later if ignored.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump a core


def main(argv: list[str]) -> int:
    """Set the limits, read the PDF on stdin and write the ``Reading`` as JSON or {"error": ..., "kind": ...}."""
    _limit_self(int(argv[0]), int(argv[1]))
    ocr_seconds = float(argv[2]) if len(argv) > 2 else LIMITS.ocr_seconds
    answer: dict[str, Any]
    try:
        data = sys.stdin.buffer.read()
        from taxprofiles.form1040.reading import read_return  # the parsers are imported under the limits

        answer = read_return(data, ocr_seconds=ocr_seconds).as_json()
    except DocumentError as exc:
        answer = {"error": str(exc), "kind": type(exc).__name__}
    except MemoryError:
        answer = {"error": TOO_BIG, "kind": "ReadLimitError"}
    sys.stdout.buffer.write(json.dumps(answer).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
