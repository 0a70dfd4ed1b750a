//! The one table of the services that sit behind outbound connectors, and how each shows
//! itself: the smart-host names a connector gives (`Vendor::from_host`, MF206, import), the
//! other host names its servers write into `Received:` lines, and the headers it stamps on
//! mail it handled (`mailflow headers`). Both readers use this table, so a host the connector
//! check knows is one the header reader knows, and the reverse.

use super::{ServiceKind, Vendor};

/// A company whose mail service may sit behind a connector: the vendors of the file format
/// and those only seen in real headers (the format calls those `other`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Brand {
    CodeTwo,
    Exclaimer,
    Mimecast,
    Proofpoint,
    Barracuda,
    Symantec,
    TrendMicro,
    Hornetsecurity,
    SeppMail,
    Tessian,
    CheckPoint,
    Reflexion,
}

impl Brand {
    /// Its lower-case name, as reports spell it (the format's vendor name where it has one).
    pub fn key(self) -> &'static str {
        match self {
            Brand::CodeTwo => "codetwo",
            Brand::Exclaimer => "exclaimer",
            Brand::Mimecast => "mimecast",
            Brand::Proofpoint => "proofpoint",
            Brand::Barracuda => "barracuda",
            Brand::Symantec => "symantec",
            Brand::TrendMicro => "trendmicro",
            Brand::Hornetsecurity => "hornetsecurity",
            Brand::SeppMail => "seppmail",
            Brand::Tessian => "tessian",
            Brand::CheckPoint => "checkpoint",
            Brand::Reflexion => "reflexion",
        }
    }

    /// The file format's vendor: `other` for a brand the format does not name.
    pub fn vendor(self) -> Vendor {
        match self {
            Brand::CodeTwo => Vendor::CodeTwo,
            Brand::Exclaimer => Vendor::Exclaimer,
            Brand::Mimecast => Vendor::Mimecast,
            Brand::Proofpoint => Vendor::Proofpoint,
            Brand::Barracuda => Vendor::Barracuda,
            Brand::Symantec => Vendor::Symantec,
            Brand::Reflexion => Vendor::Reflexion,
            _ => Vendor::Other,
        }
    }

    /// What its service does in the guide's terms: signature services add signatures, every
    /// other brand here is a gateway reached as a smart host.
    pub fn kind(self) -> ServiceKind {
        match self {
            Brand::CodeTwo | Brand::Exclaimer => ServiceKind::Signature,
            _ => ServiceKind::SmartHost,
        }
    }
}

/// How one brand shows itself.
pub struct Signs {
    pub brand: Brand,
    /// Suffixes of the smart-host names a connector gives for this brand (`*.x` is `.x`).
    pub connector_hosts: &'static [&'static str],
    /// Further suffixes of its servers' names, as they appear in `Received:` lines. A
    /// suffix ending in `.` matches inside a name (`.tmes.trendmicro.` for any country).
    pub other_hosts: &'static [&'static str],
    /// Names (or, ending in `-`, prefixes of names) of headers it stamps on mail it handled.
    pub headers: &'static [&'static str],
}

/// Every brand with its signs.
pub const VENDORS: &[Signs] = &[
    Signs {
        brand: Brand::CodeTwo,
        connector_hosts: &[".smtp.codetwo.online"],
        other_hosts: &[".codetwo.com", ".codetwo.online"],
        headers: &["X-CodeTwoProcessed", "X-CodeTwo-"],
    },
    Signs {
        brand: Brand::Exclaimer,
        connector_hosts: &[".exclaimer.net"],
        other_hosts: &[],
        headers: &["X-ExclaimerHostedSignatures-"],
    },
    Signs {
        brand: Brand::Mimecast,
        connector_hosts: &[".mimecast.com", ".mimecast.co.za"],
        other_hosts: &[],
        headers: &["X-MC-Unique"],
    },
    Signs {
        brand: Brand::Proofpoint,
        connector_hosts: &[".ppe-hosted.com", ".pphosted.com"],
        other_hosts: &[],
        headers: &["X-Proofpoint-"],
    },
    Signs {
        brand: Brand::Barracuda,
        connector_hosts: &[".barracudanetworks.com"],
        other_hosts: &[".ess.barracuda.com", ".barracuda.com"],
        headers: &["X-Barracuda-"],
    },
    Signs { brand: Brand::Reflexion, connector_hosts: &[".reflexion.net"], other_hosts: &[], headers: &[] },
    Signs {
        brand: Brand::Symantec,
        connector_hosts: &[".messagelabs.com"],
        other_hosts: &[],
        headers: &["X-Brightmail-Tracker"],
    },
    Signs {
        brand: Brand::TrendMicro,
        connector_hosts: &[],
        other_hosts: &[".tmes.trendmicro."],
        headers: &["X-TrendMicro-CAS-OUT-LOOP-IDENTIFIER", "X-TM-AS-"],
    },
    Signs { brand: Brand::Hornetsecurity, connector_hosts: &[], other_hosts: &[".hornetsecurity.com"], headers: &[] },
    Signs {
        brand: Brand::SeppMail,
        connector_hosts: &[],
        other_hosts: &[".seppmail.cloud"],
        headers: &["X-SEPP-", "X-SM-"],
    },
    Signs { brand: Brand::Tessian, connector_hosts: &[], other_hosts: &[], headers: &["x-checkrecipientrouted"] },
    // Check Point: no host name or header documented yet, so nothing recognises it.
    Signs { brand: Brand::CheckPoint, connector_hosts: &[], other_hosts: &[], headers: &[] },
];

fn matches(host: &str, pattern: &str) -> bool {
    if pattern.ends_with('.') {
        host.contains(pattern)
    } else {
        host.ends_with(pattern)
    }
}

fn normal(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The brand whose connector smart hosts `host` is one of (the format's own list).
pub fn connector_brand(host: &str) -> Option<Brand> {
    let host = normal(host);
    VENDORS.iter().find(|v| v.connector_hosts.iter().any(|p| matches(&host, p))).map(|v| v.brand)
}

/// The brand whose servers `host` belongs to, by any name the table knows.
pub fn host_brand(host: &str) -> Option<Brand> {
    let host = normal(host);
    connector_brand(&host)
        .or_else(|| VENDORS.iter().find(|v| v.other_hosts.iter().any(|p| matches(&host, p))).map(|v| v.brand))
}

/// The brand that stamps a header of this name, if the table knows one.
pub fn header_brand(name: &str) -> Option<Brand> {
    let name = name.to_ascii_lowercase();
    VENDORS
        .iter()
        .find(|v| {
            v.headers.iter().any(|h| {
                let h = h.to_ascii_lowercase();
                if h.ends_with('-') {
                    name.starts_with(&h)
                } else {
                    name == h
                }
            })
        })
        .map(|v| v.brand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_headers_name_their_brand() {
        assert_eq!(connector_brand("1a2b3c.smtp.codetwo.online."), Some(Brand::CodeTwo));
        assert_eq!(connector_brand("eu-emailsignatures-cloud.codetwo.com"), None);
        assert_eq!(host_brand("EU-emailsignatures-cloud.codetwo.com"), Some(Brand::CodeTwo));
        assert_eq!(host_brand("smtp-eu1.tmes.trendmicro.eu"), Some(Brand::TrendMicro));
        assert_eq!(host_brand("mail.contoso.com"), None);
        assert_eq!(header_brand("X-CodeTwo-MessageId"), Some(Brand::CodeTwo));
        assert_eq!(header_brand("x-codetwoprocessed"), Some(Brand::CodeTwo));
        assert_eq!(header_brand("X-SM-outgoing"), Some(Brand::SeppMail));
        assert_eq!(header_brand("X-Mailer"), None);
    }

    #[test]
    fn every_vendor_of_the_format_is_a_brand_and_the_kinds_agree() {
        for signs in VENDORS {
            let vendor = signs.brand.vendor();
            if vendor != Vendor::Other {
                assert_eq!(vendor.kind(), Some(signs.brand.kind()), "{}", signs.brand.key());
                assert_eq!(vendor.key(), signs.brand.key());
            }
        }
    }
}
