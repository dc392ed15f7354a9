//! The HubSpot-defined contact properties and groups every portal starts with.

use super::property::{Group, PropOption, PropertyDef};

/// Lifecycle stages, in HubSpot's order.
pub(crate) const LIFECYCLE_STAGES: &[(&str, &str)] = &[
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];

/// Lead statuses.
pub(crate) const LEAD_STATUSES: &[(&str, &str)] = &[
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
];

/// Properties every read returns, whatever was asked.
pub(crate) const ALWAYS_RETURNED: &[&str] = &["createdate", "hs_object_id", "lastmodifieddate"];

/// Properties a read returns when none are asked for.
pub(crate) const DEFAULT_READ: &[&str] = &[
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
];

/// HubSpot's default contact property groups.
pub(crate) fn groups() -> Vec<Group> {
    [
        ("contactinformation", "Contact information"),
        ("emailinformation", "Email information"),
        ("sales_properties", "Sales properties"),
        ("analyticsinformation", "Web analytics history"),
        ("socialmediainformation", "Social media information"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, label))| Group {
        name: (*name).to_owned(),
        label: (*label).to_owned(),
        display_order: i as i64,
    })
    .collect()
}

fn def(
    name: &str,
    label: &str,
    kind: &str,
    field_type: &str,
    group: &str,
    now: i64,
) -> PropertyDef {
    PropertyDef {
        name: name.to_owned(),
        label: label.to_owned(),
        kind: kind.to_owned(),
        field_type: field_type.to_owned(),
        group_name: group.to_owned(),
        description: String::new(),
        options: Vec::new(),
        display_order: -1,
        has_unique_value: false,
        hidden: false,
        hubspot_defined: true,
        read_only_value: false,
        calculated: false,
        form_field: true,
        created_ms: now,
        updated_ms: now,
    }
}

fn options(pairs: &[(&str, &str)]) -> Vec<PropOption> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (v, l))| PropOption::new(v, l, i as i64))
        .collect()
}

/// HubSpot's standard contact properties (the subset a RevOps tool touches).
pub(crate) fn contact_properties(now: i64) -> Vec<PropertyDef> {
    let ci = "contactinformation";
    let text = |name: &str, label: &str| def(name, label, "string", "text", ci, now);
    let mut email = text("email", "Email");
    email.has_unique_value = true;
    let mut lifecycle = def(
        "lifecyclestage",
        "Lifecycle Stage",
        "enumeration",
        "radio",
        ci,
        now,
    );
    lifecycle.options = options(LIFECYCLE_STAGES);
    let mut lead_status = def(
        "hs_lead_status",
        "Lead Status",
        "enumeration",
        "radio",
        "sales_properties",
        now,
    );
    lead_status.options = options(LEAD_STATUSES);
    let read_only = |mut d: PropertyDef| {
        d.read_only_value = true;
        d.form_field = false;
        d
    };
    let mut object_id = read_only(def(
        "hs_object_id",
        "Record ID",
        "number",
        "number",
        ci,
        now,
    ));
    object_id.has_unique_value = true;
    vec![
        email,
        text("firstname", "First Name"),
        text("lastname", "Last Name"),
        def("phone", "Phone Number", "string", "phonenumber", ci, now),
        def(
            "mobilephone",
            "Mobile Phone Number",
            "string",
            "phonenumber",
            ci,
            now,
        ),
        text("company", "Company Name"),
        text("jobtitle", "Job Title"),
        text("website", "Website URL"),
        text("address", "Street Address"),
        text("city", "City"),
        text("state", "State/Region"),
        text("zip", "Postal Code"),
        text("country", "Country/Region"),
        text("industry", "Industry"),
        text("annualrevenue", "Annual Revenue"),
        def(
            "numemployees",
            "Number of Employees",
            "number",
            "number",
            ci,
            now,
        ),
        lifecycle,
        lead_status,
        def(
            "hubspot_owner_id",
            "Contact owner",
            "string",
            "text",
            "sales_properties",
            now,
        ),
        def("message", "Message", "string", "textarea", ci, now),
        read_only(def(
            "createdate",
            "Create Date",
            "datetime",
            "date",
            ci,
            now,
        )),
        read_only(def(
            "lastmodifieddate",
            "Last Modified Date",
            "datetime",
            "date",
            ci,
            now,
        )),
        read_only(def(
            "notes_last_updated",
            "Last Activity Date",
            "datetime",
            "date",
            "sales_properties",
            now,
        )),
        object_id,
    ]
}
