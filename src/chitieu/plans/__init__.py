"""Plans, their targets, bodies and tasks, declared in ``data/plans/*.yaml``."""

from chitieu.plans.load import PlanError, load_plans, plan_files, read_plans

__all__ = ["PlanError", "load_plans", "plan_files", "read_plans"]
