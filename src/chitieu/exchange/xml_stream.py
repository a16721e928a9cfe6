"""Untrusted XML read as a stream by expat itself, with defusedxml's protections.

defusedxml's ``iterparse`` runs the pure-Python ``ElementTree`` parser (Python handlers that
build an element tree, then an event queue read by a Python generator): several
microseconds per element, most of a large payload's reading. The readers here give expat
handlers of their own instead, which note what they need of each element (its name, its
attributes, the text of an ADX annotation) and nothing else; no tree is built.

The protections are defusedxml's, set the same way on the expat parser: any DTD is refused
as it starts (so no entity can be declared), entity declarations and external references
too, each raising defusedxml's own exception; they become :class:`PayloadError` with the
message the readers gave before, as do expat's errors (``malformed XML: …``, with expat's
text, line and column).

Handlers never touch the payload: they append what they saw to a list, and the reader takes
the list in order once each block is parsed, so that problems, refused values and counts
are recorded in the order the values are handed on, and what comes before a malformed spot
is handed on before the error, as with ``iterparse``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from chitieu.exchange.payload import PayloadError

#: Bytes parsed at a time: what the handlers note for one block waits in a list.
BLOCK = 1 << 16


def _no_dtd(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _no_entity(
    name: str,
    is_parameter_entity: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation_name: str | None,
) -> None:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _no_unparsed_entity(
    name: str, base: str | None, sysid: str | None, pubid: str | None, notation_name: str | None
) -> None:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _no_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def safe_parser() -> Any:
    """An expat parser (namespaces on: names read ``uri}local``) refusing DTDs, entity
    declarations and external references as defusedxml does."""
    parser = expat.ParserCreate(None, "}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_entity
    parser.UnparsedEntityDeclHandler = _no_unparsed_entity
    parser.ExternalEntityRefHandler = _no_external
    return parser


def parse_blocks(stream: BinaryIO, parser: Any) -> Iterator[None]:
    """Feed ``stream`` to ``parser`` a block at a time, yielding after each block (and once
    more before an error, for what the handlers noted before it) so that the caller takes
    what they noted; problems raise :class:`PayloadError`."""
    try:
        while True:
            block = stream.read(BLOCK)
            if not block:
                parser.Parse(b"", True)
                yield
                return
            parser.Parse(block, False)
            yield
    except DefusedXmlException as exc:
        yield
        raise PayloadError(
            f"unsafe XML refused (DTDs and entities are not allowed): {exc}"
        ) from None
    except (expat.ExpatError, LookupError, ValueError) as exc:
        if isinstance(exc, PayloadError):
            raise
        yield
        raise PayloadError(f"malformed XML: {exc}") from None


def split_name(name: str) -> tuple[str | None, str]:
    """An expat name ``uri}local`` -> (uri, local); a name without namespace -> (None, name)."""
    ns, sep, local = name.partition("}")
    return (ns, local) if sep else (None, name)


def shown_tag(name: str) -> str:
    """An expat name as ElementTree writes a tag: ``{uri}local``."""
    return "{" + name if "}" in name else name
