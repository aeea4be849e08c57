"""A Redis RDB file read for its structure only (no value is decoded): how many keys each
logical database holds, how many of them have a TTL, and whether the file is whole. Pure.

The file's own header of each database (RESIZEDB: its keys and keys with a TTL, written by
the forked child that wrote the keys) must agree with the keys counted, and the file must end
exactly after its EOF opcode and checksum: a truncated file, one with bytes after its end, or
one whose structure is broken is refused. The CRC64 itself is left to redis-check-rdb (the
verification runs it). Formats: RDB versions 1 to 12 (Redis up to 7.4) without modules.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TTL = " with a TTL"  # "db0 with a TTL": the keys of db0 that have one
NEWEST_VERSION = 12
CHUNK = 1 << 20

# Opcodes (src/rdb.h).
SLOT_INFO, FUNCTION2, FUNCTION_PRE_GA, MODULE_AUX = 244, 245, 246, 247
IDLE, FREQ, AUX, RESIZEDB = 248, 249, 250, 251
EXPIRETIME_MS, EXPIRETIME, SELECTDB, EOF = 252, 253, 254, 255


class NotWhole(ValueError):
    """The file is not a whole RDB this platform can read; the message says where and why."""


class _Reader:
    """The file through a buffer, with its absolute position for messages."""

    def __init__(self, data: BinaryIO, size: int) -> None:
        self.data, self.size = data, size
        self.buf, self.pos, self.base = b"", 0, 0  # base: the file offset of buf[0]

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def _ensure(self, n: int) -> None:
        if len(self.buf) - self.pos >= n:
            return
        if self.offset + n > self.size:
            raise NotWhole(f"the file ends at byte {self.size}, in the middle of the snapshot")
        rest = self.buf[self.pos :]
        self.base += self.pos
        self.buf = rest + self.data.read(max(n - len(rest), CHUNK))
        self.pos = 0

    def byte(self) -> int:
        self._ensure(1)
        value = self.buf[self.pos]
        self.pos += 1
        return value

    def take(self, n: int) -> bytes:
        self._ensure(n)
        value = self.buf[self.pos : self.pos + n]
        self.pos += n
        return value

    def skip(self, n: int) -> None:
        if len(self.buf) - self.pos >= n:
            self.pos += n
            return
        target = self.offset + n
        if target > self.size:
            raise NotWhole(f"the file ends at byte {self.size}, in the middle of the snapshot")
        self.data.seek(target)
        self.buf, self.pos, self.base = b"", 0, target

    def length(self) -> tuple[int, bool]:
        """A length, or (True) the kind of a specially encoded string."""
        first = self.byte()
        kind = first >> 6
        if kind == 3:
            return first & 0x3F, True
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return ((first & 0x3F) << 8) | self.byte(), False
        if first == 0x80:
            return int.from_bytes(self.take(4), "big"), False
        if first == 0x81:
            return int.from_bytes(self.take(8), "big"), False
        raise NotWhole(f"an unknown length encoding {first:#x} at byte {self.offset - 1}")

    def number(self) -> int:
        value, encoded = self.length()
        if encoded:
            raise NotWhole(f"a string where a number was expected at byte {self.offset - 1}")
        return value

    def string(self) -> None:
        """Skips a string: raw, an integer, or LZF-compressed (its compressed length first)."""
        value, encoded = self.length()
        if not encoded:
            self.skip(value)
        elif value in (0, 1, 2):  # an 8, 16 or 32-bit integer
            self.skip(1 << value)
        elif value == 3:
            compressed = self.number()
            self.number()  # its length once uncompressed
            self.skip(compressed)
        else:
            raise NotWhole(f"an unknown string encoding {value} at byte {self.offset - 1}")


def _strings(per_entry: int) -> Callable[[_Reader], None]:
    def skip(r: _Reader) -> None:
        for _ in range(r.number() * per_entry):
            r.string()

    return skip


def _old_zset(r: _Reader) -> None:
    for _ in range(r.number()):
        r.string()
        size = r.byte()
        if size < 253:  # 253-255: NaN and infinities, no bytes follow
            r.skip(size)


def _zset(r: _Reader) -> None:
    for _ in range(r.number()):
        r.string()
        r.skip(8)  # the score, a binary double


def _quicklist(r: _Reader) -> None:
    for _ in range(r.number()):
        r.string()


def _quicklist_2(r: _Reader) -> None:
    for _ in range(r.number()):
        r.number()  # the node's container: packed or plain
        r.string()


def _hash_with_field_ttls(r: _Reader, minimum: bool) -> None:
    if minimum:
        r.skip(8)
    for _ in range(r.number()):
        r.number()  # the field's TTL
        r.string()
        r.string()


def _listpack_with_field_ttls(r: _Reader) -> None:
    r.skip(8)  # the soonest field expiry
    r.string()


def _stream(version: int) -> Callable[[_Reader], None]:
    def skip(r: _Reader) -> None:
        for _ in range(r.number()):  # listpacks: the master ID, the listpack
            r.string()
            r.string()
        for _ in range(
            3 if version == 1 else 8
        ):  # length, last ID (, first ID, max deleted, added)
            r.number()
        for _ in range(r.number()):  # consumer groups
            r.string()
            for _ in range(2 if version == 1 else 3):  # its last ID (, entries read)
                r.number()
            for _ in range(r.number()):  # its pending entries: ID, delivery time, count
                r.skip(16 + 8)
                r.number()
            for _ in range(r.number()):  # its consumers
                r.string()
                r.skip(8 if version < 3 else 16)  # seen time (, active time)
                r.skip(16 * r.number())  # the IDs it has pending

    return skip


# How each value type is skipped (src/rdb.c, rdbLoadObject).
_VALUES: dict[int, Callable[[_Reader], None]] = {
    0: lambda r: r.string(),
    1: _strings(1),
    2: _strings(1),
    3: _old_zset,
    4: _strings(2),
    5: _zset,
    **{t: lambda r: r.string() for t in (9, 10, 11, 12, 13, 16, 17, 20, 23)},  # one blob
    14: _quicklist,
    15: _stream(1),
    18: _quicklist_2,
    19: _stream(2),
    21: _stream(3),
    22: lambda r: _hash_with_field_ttls(r, minimum=False),
    24: lambda r: _hash_with_field_ttls(r, minimum=True),
    25: _listpack_with_field_ttls,
}


def keys_per_database(path: Path) -> dict[str, int]:
    """{"db0": keys, "db0 with a TTL": those with a TTL (when any), ...} of a whole RDB file;
    NotWhole otherwise."""
    with path.open("rb") as data:
        return _walk(_Reader(data, os.fstat(data.fileno()).st_size))


def _walk(r: _Reader) -> dict[str, int]:
    magic = r.take(9)
    if magic[:5] != b"REDIS" or not magic[5:].isdigit():
        raise NotWhole("it does not start as an RDB file does (REDIS and a version)")
    version = int(magic[5:])
    if not 1 <= version <= NEWEST_VERSION:
        raise NotWhole(f"RDB version {version} is newer than this platform reads")
    tally = _Tally()
    while (opcode := r.byte()) != EOF:
        if opcode in _VALUES:
            r.string()  # the key
            _VALUES[opcode](r)
            tally.key()
        elif opcode in _OPCODES:
            _OPCODES[opcode](r, tally)
        else:
            raise NotWhole(_unreadable(opcode, r.offset - 1))
    if version >= 5:
        r.take(8)  # the checksum
    if r.offset != r.size:
        raise NotWhole(f"{r.size - r.offset} bytes follow the end of the snapshot")
    return tally.checked()


class _Tally:
    """The keys counted per database, and what each database's header declared."""

    def __init__(self) -> None:
        self.keys: Counter[int] = Counter()
        self.expiring: Counter[int] = Counter()
        self.declared: dict[int, tuple[int, int]] = {}
        self.db, self.has_ttl = 0, False  # the database being read; the next key's TTL

    def key(self) -> None:
        self.keys[self.db] += 1
        self.expiring[self.db] += self.has_ttl
        self.has_ttl = False

    def checked(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for db in sorted(set(self.keys) | set(self.declared)):
            held = (self.keys[db], self.expiring[db])
            said = self.declared.get(db, held)
            if said != held:
                raise NotWhole(
                    f"db{db} says it has {said[0]} keys ({said[1]} with a TTL) but holds "
                    f"{held[0]} ({held[1]} with a TTL)"
                )
            found[f"db{db}"] = held[0]
            if held[1]:
                found[f"db{db}{TTL}"] = held[1]
        return found


def _select(r: _Reader, tally: _Tally) -> None:
    tally.db = r.number()


def _resize(r: _Reader, tally: _Tally) -> None:
    tally.declared[tally.db] = (r.number(), r.number())


def _expire(size: int) -> Callable[[_Reader, _Tally], None]:
    def read(r: _Reader, tally: _Tally) -> None:
        r.skip(size)
        tally.has_ttl = True

    return read


def _numbers(n: int) -> Callable[[_Reader, _Tally], None]:
    def read(r: _Reader, _tally: _Tally) -> None:
        for _ in range(n):
            r.number()

    return read


def _texts(n: int) -> Callable[[_Reader, _Tally], None]:
    def read(r: _Reader, _tally: _Tally) -> None:
        for _ in range(n):
            r.string()

    return read


# What comes between the keys (src/rdb.c, rdbLoadRioWithLoadingCtx).
_OPCODES: dict[int, Callable[[_Reader, _Tally], None]] = {
    SELECTDB: _select,
    RESIZEDB: _resize,
    EXPIRETIME_MS: _expire(8),
    EXPIRETIME: _expire(4),
    IDLE: _numbers(1),
    FREQ: lambda r, _: r.skip(1),
    AUX: _texts(2),
    FUNCTION2: _texts(1),
    SLOT_INFO: _numbers(3),
}


def _unreadable(opcode: int, offset: int) -> str:
    if opcode in (6, 7, MODULE_AUX):
        return f"module data (type {opcode}) at byte {offset}: no module is loaded here"
    return f"an unknown type {opcode} at byte {offset}"
