//! The Genesys Cloud region table: region ids and their domains. A leaf: the configuration
//! validates regions with it and error messages list it.

/// Genesys Cloud regions: (region id, domain). Endpoints are `https://login.<domain>` and
/// `https://api.<domain>`.
pub const GENESYS_REGIONS: &[(&str, &str)] = &[
    ("us_east_1", "mypurecloud.com"),
    ("us_east_2", "use2.us-gov-pure.cloud"),
    ("us_west_2", "usw2.pure.cloud"),
    ("ca_central_1", "cac1.pure.cloud"),
    ("sa_east_1", "sae1.pure.cloud"),
    ("mx_central_1", "mxc1.pure.cloud"),
    ("eu_west_1", "mypurecloud.ie"),
    ("eu_west_2", "euw2.pure.cloud"),
    ("eu_central_1", "mypurecloud.de"),
    ("eu_central_2", "euc2.pure.cloud"),
    ("eusc_de_east_1", "edee1.eusc-pure.cloud"),
    ("me_central_1", "mec1.pure.cloud"),
    ("ap_south_1", "aps1.pure.cloud"),
    ("ap_southeast_1", "apse1.pure.cloud"),
    ("ap_southeast_2", "mypurecloud.com.au"),
    ("ap_northeast_1", "mypurecloud.jp"),
    ("ap_northeast_2", "apne2.pure.cloud"),
    ("ap_northeast_3", "apne3.pure.cloud"),
];

/// The list of valid regions, for error messages.
pub fn genesys_region_list() -> String {
    let mut out = String::new();
    for (i, (id, domain)) in GENESYS_REGIONS.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(domain);
        out.push_str(" (");
        out.push_str(id);
        out.push(')');
    }
    out
}

/// Looks a Genesys Cloud region up by domain (`mypurecloud.ie`) or id (`eu_west_1`, also
/// `eu-west-1`), case-insensitively. Returns the domain.
pub fn genesys_domain(region: &str) -> Option<&'static str> {
    // Lower case, `-` read as `_`, so `eu-west-1`, `EU_WEST_1` and `mypurecloud.ie` all match.
    let fold = |c: char| match c {
        '-' => '_',
        c => c.to_ascii_lowercase(),
    };
    let wanted: String = region.trim().chars().map(fold).collect();
    let wanted = wanted.strip_prefix("https://").unwrap_or(&wanted);
    let wanted = wanted.strip_prefix("login.").unwrap_or(wanted);
    let wanted = wanted.strip_prefix("api.").unwrap_or(wanted);
    let wanted = wanted.strip_suffix('/').unwrap_or(wanted);
    GENESYS_REGIONS.iter().find_map(|(id, domain)| {
        let same = *id == wanted || domain.chars().map(fold).eq(wanted.chars());
        same.then_some(*domain)
    })
}
