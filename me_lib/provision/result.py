"""What `provision()` returns: the DM server it reached, each context, per-step costs."""

try:  # names for the annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass


class DmResult:
    """How the DM server was reached (or why it was not)."""

    def __init__(self, host: str, port: int, protocol: str, transport: str) -> None:
        self.host = host
        self.port = port
        self.protocol = protocol
        self.transport = transport
        self.ip: str | None = None
        self.rtt: float | None = None
        self.reachable = False
        self.via = ""            # "modem:quectel", "host", or "" when not checked
        self.detail = ""
        self.error: str | None = None  # the typed error's class when not reached
        #: False when this run did not probe the server (reached earlier, nothing changed)
        self.probed = True
        #: when not probed: wall-clock seconds (time.time()) of the earlier probe that
        #: reached it (a probe of this run is now: its `rtt` tells)
        self.last_reached: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The DM probe as JSON-ready data (RTT in ms), for `--json` output."""
        return {"host": self.host, "ip": self.ip, "port": self.port, "protocol": self.protocol,
                "transport": self.transport, "reachable": self.reachable,
                "rtt_ms": None if self.rtt is None else round(self.rtt * 1000, 2),
                "via": self.via, "detail": self.detail, "error": self.error,
                "probed": self.probed, "last_reached": None if self.last_reached is None
                else round(self.last_reached, 3)}


class ContextResult:
    """One bearer's context after provisioning."""

    def __init__(self, role: str, name: str, cid: int, apn: str, pdp_type: str) -> None:
        self.role = role
        self.name = name
        self.cid = cid
        self.apn = apn
        self.pdp_type = pdp_type
        self.action = "keep"
        self.state = "defined"      # defined | active | on-demand | failed
        self.addresses: list[str] = []
        self.dns: list[str] = []
        self.network_apn = ""
        self.error = ""
        self.cause: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The context as JSON-ready data, for `--json` output."""
        return {"role": self.role, "name": self.name, "cid": self.cid, "apn": self.apn,
                "pdp_type": self.pdp_type, "action": self.action, "state": self.state,
                "ip": self.addresses, "dns": self.dns, "network_apn": self.network_apn,
                "error": self.error, "cause": self.cause}


class StepTiming:
    def __init__(self, name: str, seconds: float, round_trips: int, writes: int) -> None:
        self.name = name
        self.seconds = seconds
        self.round_trips = round_trips
        self.writes = writes

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "seconds": round(self.seconds, 3),
                "round_trips": self.round_trips, "writes": self.writes}


class ProvisionResult:
    """The outcome of one `provision()` run."""

    def __init__(self) -> None:
        self.dm: DmResult | None = None
        self.contexts: list[ContextResult] = []
        self.steps: list[StepTiming] = []
        self.notes: list[str] = []
        self.registration = ""
        self.modem: dict[str, str] = {}
        self.profile: dict[str, Any] = {}
        #: AT commands that went over the wire for this run, counted at the channel:
        #: everything the Modem object sent since it was opened (sync, identification,
        #: the profile read included), or since the previous provision() on it
        #: returned; `steps` break down the part inside provision()
        self.round_trips = 0
        self.writes = 0
        self.bytes_out = 0
        self.bytes_in = 0
        self.seconds = 0.0
        #: False when the record of the contexts this run created could not be written
        #: (the notes say why and what to do): the modem is fine, its memory is not
        self.state_saved = True

    @property
    def ok(self) -> bool:
        """Whether the DM server was reachable (or not probed) and no context failed."""
        dm_ok = self.dm is None or self.dm.reachable or self.dm.via == ""
        if not dm_ok:
            return False
        for c in self.contexts:  # noqa: SIM110 - a loop: a generator costs heap on a board
            if c.state == "failed":
                return False
        return True

    def context(self, name: str) -> ContextResult | None:
        """The context result named `name` (or one of a shared context's names), or None."""
        for ctx in self.contexts:
            if ctx.name == name or name in ctx.name.split(","):
                return ctx
        return None

    def to_dict(self) -> dict[str, Any]:
        """The whole result as JSON-ready data, for `--json` output."""
        return {"ok": self.ok, "modem": self.modem, "registration": self.registration,
                "dm": self.dm.to_dict() if self.dm else None,
                "contexts": [c.to_dict() for c in self.contexts],
                "steps": [s.to_dict() for s in self.steps], "round_trips": self.round_trips,
                "writes": self.writes, "bytes_out": self.bytes_out, "bytes_in": self.bytes_in,
                "seconds": round(self.seconds, 3), "notes": self.notes,
                "state_saved": self.state_saved, "profile": self.profile}

    def __repr__(self) -> str:
        return "ProvisionResult(ok=%s, contexts=%s, writes=%d, state_saved=%s)" % (
            self.ok, ",".join("%s:%s" % (c.name, c.state) for c in self.contexts),
            self.writes, "true" if self.state_saved else "false")
