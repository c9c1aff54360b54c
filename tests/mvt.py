"""A Mapbox vector tile read back into what a map draws: layers of features with their
points in tile units and their properties (the protobuf wire format, points only)."""

import struct


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _fields(data: bytes):
    """(field number, value) pairs: an int for varints, bytes otherwise."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = data[pos : pos + size], pos + size
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield number, value


def _packed(data: bytes) -> list[int]:
    values, pos = [], 0
    while pos < len(data):
        value, pos = _varint(data, pos)
        values.append(value)
    return values


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _value(data: bytes):
    for number, value in _fields(data):
        if number == 1:
            return value.decode()
        if number == 2:
            return struct.unpack("<f", value)[0]
        if number == 3:
            return struct.unpack("<d", value)[0]
        if number in (4, 5):
            return value - (1 << 64) if number == 4 and value >= 1 << 63 else value
        if number == 6:
            return _zigzag(value)
        if number == 7:
            return bool(value)
    return None


def _points(commands: list[int]) -> list[tuple[int, int]]:
    points, x, y, i = [], 0, 0, 0
    while i < len(commands):
        command, count = commands[i] & 7, commands[i] >> 3
        if command != 1:  # MoveTo: the only command of a point geometry
            raise ValueError("not a point geometry")
        for k in range(count):
            x += _zigzag(commands[i + 1 + 2 * k])
            y += _zigzag(commands[i + 2 + 2 * k])
            points.append((x, y))
        i += 1 + 2 * count
    return points


def decode(tile: bytes) -> dict[str, list[dict]]:
    """{layer name: [{"points": [(x, y)], "properties": {...}}]}."""
    layers = {}
    for number, layer in _fields(tile):
        if number != 3:
            continue
        name, keys, values, raw_features = "", [], [], []
        for field, value in _fields(layer):
            if field == 1:
                name = value.decode()
            elif field == 2:
                raw_features.append(value)
            elif field == 3:
                keys.append(value.decode())
            elif field == 4:
                values.append(_value(value))
        features = []
        for raw in raw_features:
            tags, geometry = [], []
            for field, value in _fields(raw):
                if field == 2:
                    tags = _packed(value)
                elif field == 4:
                    geometry = _packed(value)
            properties = {keys[k]: values[v] for k, v in zip(tags[::2], tags[1::2], strict=True)}
            features.append({"points": _points(geometry), "properties": properties})
        layers[name] = features
    return layers
