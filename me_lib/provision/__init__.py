"""Plan and apply: reconcile contexts, attach, reach the DM server, services, watch.

Importing the package loads nothing else: each public name is imported from its
module on first use (PEP 562), so `import me_lib.provision.plan` (or a
MicroPython board importing one module) does not load the flow.
"""

from me_lib.lazy import exports

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


__getattr__ = exports(__name__, _WHERE)


__all__ = ["ContextResult", "DmResult", "ModemState", "Plan", "ProvisionResult", "make_plan",
           "plan", "provision", "wait_registered"]
