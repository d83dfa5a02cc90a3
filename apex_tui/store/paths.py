"""Dataset layout: the root (any pyarrow filesystem), Hive folder names, and file discovery.

Every partition value is validated before a path is built from it: symbols with
`validate_symbol`, the other keys against their own small alphabets. Discovery ignores names
starting with '.' (temp files) or '_' (quarantine, coverage ledger), as Spark and pyarrow do.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.fs as pafs

from apex_tui.domain.errors import StorageError, ValidationError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.store.bar_sizes import bar_size, validate_what_to_show
from apex_tui.store.schemas import KindSpec

QUARANTINE_DIR = "_quarantine"
META_DIR = "_meta"
TMP_SUFFIX = ".tmp"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXPIRY_RE = re.compile(r"^\d{8}$")


def partition_value(name: str, value: object) -> str:
    """The folder text of one partition value, or ValidationError before any filesystem call."""
    text = str(value)
    if name in ("symbol", "underlying"):
        return validate_symbol(text)
    if name == "bar_size":
        return bar_size(text).slug
    if name == "what_to_show":
        return validate_what_to_show(text)
    if name == "year":
        if not text.isdigit() or len(text) != 4:
            raise ValidationError(f"year partition {text!r} is not a 4-digit year")
        return text
    if name == "date" and _DATE_RE.match(text):
        return text
    if name == "expiry" and _EXPIRY_RE.match(text):
        return text
    raise ValidationError(f"partition {name}={text!r} is not valid")


def is_hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def temp_name(final_name: str) -> str:
    """`.<name>.tmp`: hidden from discovery until os.replace makes it visible."""
    return f".{final_name}{TMP_SUFFIX}"


def new_file_name(now: datetime | None = None) -> str:
    """Sortable by write time, unique across writers: part-<UTC time>-<random>.parquet."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%f")
    return f"part-{stamp}-{uuid.uuid4().hex[:8]}.parquet"


@dataclass(frozen=True, slots=True)
class DataFile:
    """A visible Parquet file of a kind and its partition values parsed from the path."""

    path: str
    size: int
    partition: dict[str, str]

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0]


class DatasetRoot:
    """The dataset's root on a pyarrow filesystem, local folder or object-store URI."""

    def __init__(self, location: str | os.PathLike[str]) -> None:
        text = os.fspath(location)
        if "://" in text:
            fs, base = pafs.FileSystem.from_uri(text)
        else:
            fs, base = pafs.LocalFileSystem(), str(Path(text).absolute())
        self.fs: pafs.FileSystem = fs
        self.base = base.rstrip("/") or "/"
        self.is_local = isinstance(fs, pafs.LocalFileSystem)

    def __repr__(self) -> str:
        return f"DatasetRoot({self.base!r})"

    def join(self, *parts: str) -> str:
        return "/".join([self.base, *parts])

    def kind_dir(self, spec: KindSpec) -> str:
        return self.join(spec.name)

    def partition_dir(self, spec: KindSpec, values: dict[str, object]) -> str:
        """Folder of one partition; every key of `spec.partitions` must be given and valid."""
        parts = []
        for name in spec.partitions:
            if name not in values:
                raise StorageError(f"{spec.name}: partition key {name!r} missing")
            parts.append(f"{name}={partition_value(name, values[name])}")
        return self.join(spec.name, *parts)

    def prefix_dir(self, spec: KindSpec, values: dict[str, object]) -> str:
        """Deepest folder fixed by the leading partition values given (for pruned listing)."""
        parts = []
        for name in spec.partitions:
            if name not in values:
                break
            parts.append(f"{name}={partition_value(name, values[name])}")
        return self.join(spec.name, *parts)

    def list_files(self, spec: KindSpec, where: dict[str, object] | None = None) -> list[DataFile]:
        """Visible Parquet files of a kind, pruned by any partition values given in `where`."""
        wanted = {k: partition_value(k, v) for k, v in (where or {}).items()}
        start = self.prefix_dir(spec, where or {})
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(start, recursive=True))
        except FileNotFoundError:
            return []
        files: list[DataFile] = []
        prefix_len = len(self.kind_dir(spec)) + 1
        for info in infos:
            if info.type != pafs.FileType.File or not info.path.endswith(".parquet"):
                continue
            rel = info.path[prefix_len:].split("/")
            if any(is_hidden(p) for p in rel):
                continue
            partition = dict(p.split("=", 1) for p in rel[:-1] if "=" in p)
            if any(partition.get(k) != v for k, v in wanted.items()):
                continue
            files.append(DataFile(info.path, info.size or 0, partition))
        files.sort(key=lambda f: f.path)
        return files

    def exists(self, path: str) -> bool:
        return bool(self.fs.get_file_info(path).type != pafs.FileType.NotFound)
