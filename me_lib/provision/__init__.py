"""Plan and apply: reconcile contexts, attach, reach the DM server, services, watch.

Importing the package loads nothing else: each public name is imported from its
module on first use (PEP 562), so `import me_lib.provision.plan` (or a
MicroPython board importing one module) does not load the flow.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from me_lib.provision.flow import make_plan, provision, wait_registered
    from me_lib.provision.plan import ModemState, Plan, plan
    from me_lib.provision.result import ContextResult, DmResult, ProvisionResult

# name -> module of this package that defines it
_WHERE = {
    "make_plan": "flow", "provision": "flow", "wait_registered": "flow",
    "ModemState": "plan", "Plan": "plan", "plan": "plan",
    "ContextResult": "result", "DmResult": "result", "ProvisionResult": "result",
}


def __getattr__(name: str) -> object:
    """The names of `__all__`, imported from their module when first asked for (PEP 562)."""
    where = _WHERE.get(name)
    if where is not None:
        return getattr(__import__(__name__ + "." + where, None, None, [name]), name)
    # MicroPython asks the package for a submodule (`from me_lib.provision import x`) before it
    # looks for one, and does not fall back when this raises
    if not name.startswith("_"):
        try:
            return __import__(__name__ + "." + name, None, None, [name])
        except ImportError:
            pass
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


__all__ = ["ContextResult", "DmResult", "ModemState", "Plan", "ProvisionResult", "make_plan",
           "plan", "provision", "wait_registered"]
