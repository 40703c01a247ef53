"""Events on ``nscl.registry.events`` that other services read (data fields listed are guaranteed)."""

TOPIC = "nscl.registry.events"

# stream: the enterprise id
ENTERPRISE_REGISTERED = "EnterpriseRegistered"
# data: tax_code, name, district_code, district_name, registered_on (YYYY-MM-DD); optional:
#       commune, address, ownership, size_class, industry_code
ENTERPRISE_PROFILE_UPDATED = "EnterpriseProfileUpdated"
# data: the changed profile fields among those above
ENTERPRISE_CLOSED = "EnterpriseClosed"
# data: reason, closed_on (YYYY-MM-DD)
