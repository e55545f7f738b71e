"""C++ string literals for bytes, shared by the build steps that embed files into a binary
(src/fake/embed_recordings.py, src/ui/embed_ui.py)."""


def literal(data: bytes, width: int = 96, indent: str = '\n      ') -> str:
    """`data` as adjacent C++ string literals, a line of source per line of text (or per `width`
    characters); any byte may appear, NUL included (pair it with its length)."""
    lines, line = [], []
    for b in data:
        c = chr(b)
        if c in '"\\?':
            line.append('\\' + c)
        elif 0x20 <= b < 0x7F:
            line.append(c)
        else:
            line.append('\\%03o' % b)  # octal: never swallows a following digit beyond three
        if len(line) >= width or c == '\n':
            lines.append('"' + ''.join(line) + '"')
            line = []
    if line or not lines:
        lines.append('"' + ''.join(line) + '"')
    return indent.join(lines)
