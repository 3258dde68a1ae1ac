"""The board link on a scripted port: framing, reports, prompts, binary answers, bounds.

`ScriptPort` (bench/fuzz_board.py, the fuzz target's port) answers each write
with the next scripted chunk, on a virtual clock that moves only when a read
finds nothing (so a timeout costs no real time and every wait is bounded by the
link's own deadline).
"""


import pytest

from bench.fuzz_board import ScriptPort
from me_lib.board.link import MAX_URCS, Link
from me_lib.errors import (
    AtCommandError,
    AtProtocolError,
    AtTimeout,
    CmeError,
    ModemRebooted,
    PortClosed,
)
from me_lib.modem.dialects import GENERIC, by_name


def test_answer_lines_with_the_prefix_and_reports_queued() -> None:
    port = ScriptPort([b"\r\n+CEREG: 1,\"1A\",\"2B\",7\r\n+CGDCONT: 1,\"IP\",\"a\"\r\n\r\nOK\r\n"])
    link = Link(port, GENERIC)
    assert link.cmd("AT+CGDCONT?", "+CGDCONT:") == ['+CGDCONT: 1,"IP","a"']
    assert link.urcs == ['+CEREG: 1,"1A","2B",7']
    assert link.wait(("+CEREG:",), 1.0) == '+CEREG: 1,"1A","2B",7' and link.urcs == []


def test_echo_bare_text_and_finals() -> None:
    port = ScriptPort([b"AT+CGMM\r\r\nBG96\r\n\r\nOK\r\n", b"\r\nERROR\r\n",
                       b"\r\n+CME ERROR: 10\r\n", b"\r\n+CME ERROR: SIM busy\r\n"])
    link = Link(port, GENERIC)
    assert link.cmd("AT+CGMM") == ["BG96"]
    with pytest.raises(AtCommandError):
        link.cmd("AT+X")
    with pytest.raises(CmeError) as exc:
        link.cmd("AT+CPIN?", "+CPIN:")
    assert exc.value.code == 10
    with pytest.raises(CmeError) as exc:
        link.cmd("AT+CPIN?", "+CPIN:")
    assert exc.value.code is None


def test_a_silent_module_times_out_on_the_links_clock() -> None:
    port = ScriptPort([b""])
    link = Link(port, GENERIC)
    with pytest.raises(AtTimeout):
        link.cmd("AT+CGMM", timeout=3.0)
    assert 3.0 <= port.clock.t < 3.0 + 20.0  # at most one read step (0.02 s real) over


def test_prompt_then_payload_then_vendor_final() -> None:
    port = ScriptPort([b"\r\n> "])
    link = Link(port, by_name("quectel-bg96"))

    def write(data: bytes) -> int:
        port.written.append(bytes(data))
        if data == b"\x40\x00\x12\x34":
            port.rx += b"\r\nSEND OK\r\n"
        elif data.endswith(b"\r") and port.answers:
            port.rx += port.answers.pop(0)
        return len(data)

    port.write = write  # type: ignore[method-assign]
    assert link.cmd("AT+QISEND=0,4", data=b"\x40\x00\x12\x34", final="SEND OK") == []
    assert port.written == [b"AT+QISEND=0,4\r", b"\x40\x00\x12\x34"]


def test_a_binary_answer_is_read_by_its_length_even_with_line_ends_inside() -> None:
    payload = b"\x70\r\n\x12"
    port = ScriptPort([b"\r\n+QIRD: 4\r\n" + payload + b"\r\n\r\nOK\r\n"])
    link = Link(port, GENERIC)
    lines = link.cmd("AT+QIRD=0,1500", "+QIRD:", payload=("+QIRD:", 0, 0))
    assert lines == ["+QIRD: 4", payload.decode("latin-1")]


def test_an_inline_binary_answer() -> None:
    payload = b"\x70\x00\r\n"
    port = ScriptPort([b"\r\n+CARECV: 4," + payload + b"Z\r\n\r\nOK\r\n"])
    link = Link(port, GENERIC)
    lines = link.cmd("AT+CARECV=0,1460", "+CARECV:", payload=("+CARECV:", 0, 1))
    assert lines == ["+CARECV: 4", payload.decode("latin-1")]   # 4 bytes, CR LF inside
    assert link.urcs == ["Z"]     # what follows the announced length is not the payload


@pytest.mark.parametrize("header", [b"+QIRD: x", b"+QIRD: -1", b"+QIRD: 99999", b"+QIRD:"])
def test_an_unreadable_payload_length_is_a_protocol_error(header: bytes) -> None:
    port = ScriptPort([b"\r\n" + header + b"\r\n\r\nOK\r\n"])
    with pytest.raises(AtProtocolError):
        Link(port, GENERIC).cmd("AT+QIRD=0,1500", "+QIRD:", payload=("+QIRD:", 0, 0))


def test_a_boot_banner_mid_command_is_a_reboot_but_a_follow_up_is_not() -> None:
    bg96 = by_name("quectel-bg96")
    port = ScriptPort([b"\r\nRDY\r\n"])
    with pytest.raises(ModemRebooted):
        Link(port, bg96).cmd("AT+CGDCONT?", "+CGDCONT:", timeout=1.0)
    port = ScriptPort([b"\r\nOK\r\n", b"\r\nAPP RDY\r\n\r\nOK\r\n"],
                      unsolicited=b"\r\nRDY\r\n")
    link = Link(port, bg96)
    link.sync(attempts=1)       # RDY while syncing: the boot waited for
    assert link.cmd("AT") == [] and "APP RDY" in link.urcs


def test_a_vanished_port_is_port_closed() -> None:
    port = ScriptPort([OSError(5, "I/O error")])
    with pytest.raises(PortClosed):
        Link(port, GENERIC).cmd("AT")


def test_a_report_flood_keeps_the_newest_reports_only() -> None:
    flood = b"".join(b"\r\n+CGEV: NW DEACT %d\r\n" % i for i in range(500))
    port = ScriptPort([flood + b"\r\nOK\r\n"])
    link = Link(port, GENERIC)
    assert link.cmd("AT") == []
    assert len(link.urcs) == MAX_URCS and link.urcs[-1] == "+CGEV: NW DEACT 499"


def test_a_line_that_never_ends_does_not_grow_without_bound() -> None:
    port = ScriptPort([b"\r\n" + b"A" * 100_000])
    link = Link(port, GENERIC)
    with pytest.raises(AtTimeout):
        link.cmd("AT+CGMM", timeout=1.0)
    assert len(link.buf) <= 4096
