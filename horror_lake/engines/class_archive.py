"""The Spark engine's class archive: Java's class data sharing for a local driver JVM.

A SparkSession's JVM reads, parses and verifies the classes of Spark's jars as it starts and as
queries first use them: about half of a bare session's start-up on 2 cores. A JVM (13 or newer)
can write the classes it loaded into an archive as it exits (``-XX:ArchiveClassesAtExit``), and
later JVMs map them from it, already parsed and verified (``-XX:SharedArchiveFile``).

The first local session of an installation records: when the engine closes, its JVM is ended and
waited for, and only an archive whose JVM exited normally is moved into place, so a reader never
maps half of one. Every later session maps it. An archive is named by what it holds (the Java
binary, Spark's jars, the driver's class path). Java 17 can't archive a class path holding a
folder with files in it (a Spark installation's ``conf`` with its ``spark-defaults.conf``, say;
pip's pyspark has none): there the JVM loads its classes as before. An archive the JVM still
finds unusable is skipped by the JVM itself (``-Xshare:auto``, its default), which costs only
the time; a damaged file is recorded again.
"""

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from horror_lake.lake.atomic import process_alive

# Besides Spark's jars and its conf folder, what spark-submit puts on the driver's class path.
CONF_VARIABLES = ("HADOOP_CONF_DIR", "YARN_CONF_DIR")  # a folder each
LIST_VARIABLES = ("SPARK_CLASSPATH", "SPARK_DIST_CLASSPATH")  # lists of entries
KEY_VARIABLES = ("SPARK_CONF_DIR", *CONF_VARIABLES, *LIST_VARIABLES)
# The first bytes of a JVM's dynamic archive (JDK 13 and later), little-endian.
ARCHIVE_MAGIC = (0xF00BABA8).to_bytes(4, "little")
KEPT = 3  # archives kept per folder (about 190 MB each): a few installations side by side


def spark_home() -> Path:
    """The Spark installation spark-submit runs from (pip's pyspark is its own)."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    import pyspark

    return Path(pyspark.__file__).parent


def spark_conf_folder() -> Path:
    """The folder of ``spark-defaults.conf``, first on the driver's class path."""
    return Path(os.environ.get("SPARK_CONF_DIR") or spark_home() / "conf")


class ClassArchive:
    """The archive in ``folder`` for the JVM that spark-submit would start now."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.recording: Path | None = None  # what this process's JVM writes as it exits
        self.target: Path | None = None  # where that goes once written

    def java_options(self, config: Mapping[str, str]) -> list[str]:
        """Map the archive when there is one, else record it as the JVM exits; nothing when no
        Java is found, a folder on the class path has files, or the folder can't be written."""
        java = _java()
        if java is None or any(_has_files(folder) for folder in _class_path_folders(config)):
            return []
        path = self.folder / f"spark-{_key(java, config)}.jsa"
        if _is_archive(path):
            return [_quoted(f"-XX:SharedArchiveFile={path}")]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._tidy()  # a killed run's recording, say
        except OSError:
            return []
        if not os.access(self.folder, os.W_OK):
            return []
        self.target = path
        self.recording = path.with_name(f"{path.name}.{os.getpid()}.recording")
        # Without -Xlog, the JVM warns of every class it leaves out (signed jars, old bytecode).
        return [
            _quoted(f"-XX:ArchiveClassesAtExit={self.recording}"),
            "-Xlog:cds=off",
            "-Xlog:cds+dynamic=off",
        ]

    def keep(self, exit_code: int | None) -> None:
        """Move the recorded archive into place if its JVM exited normally, else drop it."""
        recording, target = self.recording, self.target
        self.recording = self.target = None
        if recording is None or target is None:
            return
        try:
            if exit_code == 0 and recording.is_file() and recording.stat().st_size > 0:
                os.replace(recording, target)
            else:
                recording.unlink(missing_ok=True)
            self._tidy()
        except OSError:
            pass  # a folder that can't be written only costs the time

    def _tidy(self) -> None:
        """Drops the oldest archives beyond ``KEPT`` and recordings whose process is gone."""
        archives = sorted(self.folder.glob("spark-*.jsa"), key=lambda p: p.stat().st_mtime)
        for old in archives[:-KEPT]:
            old.unlink(missing_ok=True)
        for left in self.folder.glob("spark-*.jsa.*.recording"):
            pid = left.name.split(".")[-2]
            if pid.isdigit() and not process_alive(int(pid)):
                left.unlink(missing_ok=True)


def _is_archive(path: Path) -> bool:
    """A JVM's archive, not a damaged file (which is recorded again)."""
    try:
        with open(path, "rb") as file:
            return file.read(len(ARCHIVE_MAGIC)) == ARCHIVE_MAGIC
    except OSError:
        return False


def _java() -> Path | None:
    """The Java binary spark-submit runs: JAVA_HOME's, else the first on PATH."""
    home = os.environ.get("JAVA_HOME")
    found = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    return Path(os.path.realpath(found)) if found and os.path.isfile(found) else None


def _class_path_folders(config: Mapping[str, str]) -> list[Path]:
    """The folders spark-submit puts on the driver JVM's class path (conf folders, mostly)."""
    folders = [spark_conf_folder()]
    folders += [Path(os.environ[name]) for name in CONF_VARIABLES if os.environ.get(name)]
    listed = [os.environ.get(name, "") for name in LIST_VARIABLES]
    listed.append(config.get("spark.driver.extraClassPath", ""))
    entries = [entry for text in listed for entry in text.split(os.pathsep) if entry]
    return folders + [Path(entry) for entry in entries if not entry.endswith("*")]


def _has_files(folder: Path) -> bool:
    """Java 17 archives no class path that holds a folder with files in it."""
    try:
        return folder.is_dir() and any(folder.iterdir())
    except OSError:
        return True


def _key(java: Path, config: Mapping[str, str]) -> str:
    """A hash of what the archive holds and is valid for."""
    jars = spark_home() / "jars"
    listed = sorted(os.scandir(jars), key=lambda e: e.name) if jars.is_dir() else []
    stat = java.stat()
    described = {
        "java": [str(java), stat.st_size, stat.st_mtime_ns],
        "jars": [str(jars)] + [[e.name, e.stat().st_size, e.stat().st_mtime_ns] for e in listed],
        "class_path": config.get("spark.driver.extraClassPath", ""),
        "variables": [os.environ.get(name, "") for name in KEY_VARIABLES],
    }
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]


def _quoted(option: str) -> str:
    """One option of ``spark.driver.extraJavaOptions``, which spark-submit splits at spaces."""
    if not any(c.isspace() or c in "\"'\\" for c in option):
        return option
    return '"' + option.replace("\\", "\\\\").replace('"', '\\"') + '"'
