"""Just enough protobuf wire format to write the few messages the test models and the converter need
(no generated code, no protoc): varints, length-delimited fields, fixed32 floats."""
import struct


def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1          # negative int32/int64 are encoded as 10-byte varints
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def key(field, wire_type):
    return varint(field << 3 | wire_type)


def message(*fields):
    """fields: (number, value) pairs; int/bool -> varint, float -> fixed32, str/bytes ->
    length-delimited (a nested message is passed as the bytes `message()` returned).
    None values are skipped; lists repeat the field."""
    out = bytearray()
    for number, value in fields:
        for item in (value if isinstance(value, list) else [value]):
            if item is None:
                continue
            if isinstance(item, bool) or isinstance(item, int):
                out += key(number, 0) + varint(int(item))
            elif isinstance(item, float):
                out += key(number, 5) + struct.pack("<f", item)
            else:
                data = item.encode() if isinstance(item, str) else bytes(item)
                out += key(number, 2) + varint(len(data)) + data
    return bytes(out)
