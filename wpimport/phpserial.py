"""A small, strict reader of PHP's serialize() format (never eval).

Supports what WordPress post meta holds: arrays, strings (lengths in bytes),
integers, floats, booleans and null. Arrays come back as dicts.
"""


class PHPSerializeError(ValueError):
    pass


def loads(value: str | bytes):
    data = value.encode("utf-8") if isinstance(value, str) else value
    result, end = _read(data, 0)
    if end != len(data):
        raise PHPSerializeError(f"trailing data at byte {end}")
    return result


def _expect(data: bytes, pos: int, char: bytes) -> int:
    if data[pos : pos + 1] != char:
        raise PHPSerializeError(f"expected {char!r} at byte {pos}")
    return pos + 1


def _until(data: bytes, pos: int, char: bytes) -> tuple[bytes, int]:
    end = data.find(char, pos)
    if end < 0:
        raise PHPSerializeError(f"missing {char!r} after byte {pos}")
    return data[pos:end], end + 1


def _read(data: bytes, pos: int):
    kind = data[pos : pos + 1]
    if kind == b"N":
        return None, _expect(data, pos + 1, b";")
    pos = _expect(data, pos + 1, b":")
    if kind == b"b":
        raw, pos = _until(data, pos, b";")
        return raw == b"1", pos
    if kind == b"i":
        raw, pos = _until(data, pos, b";")
        return int(raw), pos
    if kind == b"d":
        raw, pos = _until(data, pos, b";")
        return float(raw), pos
    if kind == b"s":
        raw, pos = _until(data, pos, b":")
        length = int(raw)
        pos = _expect(data, pos, b'"')
        text = data[pos : pos + length]
        if len(text) != length:
            raise PHPSerializeError("string shorter than its length")
        pos = _expect(data, pos + length, b'"')
        pos = _expect(data, pos, b";")
        return text.decode("utf-8", errors="replace"), pos
    if kind == b"a":
        raw, pos = _until(data, pos, b":")
        count = int(raw)
        pos = _expect(data, pos, b"{")
        result = {}
        for _ in range(count):
            key, pos = _read(data, pos)
            if not isinstance(key, (int, str)):
                raise PHPSerializeError("array keys must be int or string")
            result[key], pos = _read(data, pos)
        return result, _expect(data, pos, b"}")
    raise PHPSerializeError(f"unsupported type {kind!r} at byte {pos - 1}")
