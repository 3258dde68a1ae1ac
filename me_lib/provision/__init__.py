"""Plan and apply: reconcile contexts, attach, reach the DM server, services, watch."""

import sys

# CPython: the whole public surface. MicroPython: nothing eagerly, so that
# importing one module of the package (plan, probe) does not load the flow.
if sys.implementation.name != "micropython":
    from me_lib.provision.flow import make_plan, provision, wait_registered
    from me_lib.provision.plan import ModemState, Plan, plan
    from me_lib.provision.result import ContextResult, DmResult, ProvisionResult

__all__ = ["ContextResult", "DmResult", "ModemState", "Plan", "ProvisionResult", "make_plan",
           "plan", "provision", "wait_registered"]
