"""The role keys of SPEC.md "Roles" and their Chinese labels, defined once."""

ROLE_LABELS = {
    "leadership": "公司领导",
    "manager": "管理处经理",
    "property_director": "物业部主任",
    "service_director": "客户服务部主任",
    "property_officer": "物业管理员",
    "receptionist": "客户服务部前台接待员",
    "engineering_director": "工程部主任",
    "technician": "工程部维修人员",
    "security_lead": "安管部值班负责人",
    "guard": "安管员",
    "patrol_officer": "物业巡查员",
    "area_officer": "责任区管理员",
    "culture_clerk": "社区文化文员",
    "finance": "财务部",
    "system": "系统（定时任务、脚本）",  # cron and scripts act as a roster entry of this role (CLI.md "Who may act")
}
ROLES = tuple(ROLE_LABELS)


def role_label(role: str | None) -> str:
    """`工程部主任 (engineering_director)`; `-` for none."""
    if not role:
        return "-"
    from propcli.i18n import label as translated

    label = translated("role", role)  # the reader's language (propcli.po); these labels are its Chinese
    label = label if label != role else ROLE_LABELS.get(role)
    return f"{label} ({role})" if label else role
