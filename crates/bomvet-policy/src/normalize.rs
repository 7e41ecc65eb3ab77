//! Name normalisation for matching organisation names on token boundaries.
//!
//! Steps: Unicode NFKC (full-width and compatibility forms fold to their plain letters),
//! lowercase, Chinese/Japanese company suffixes (有限公司...) removed, punctuation becomes a
//! separator, each Han character becomes a token of its own (Chinese names have no spaces), and
//! legal-form words (Ltd, Co., Inc., AO, ZAO, LLC, GmbH, ООО...) are removed at both ends.

use unicode_normalization::UnicodeNormalization;

/// Legal-form words (Ltd, Co., Inc., AO, ZAO, LLC, GmbH, ООО...), lowercased. A `match`, not a
/// list searched with `==`: this runs on the first and last token of every name of every
/// component, and the list compared each short token with a dozen `memcmp` calls (issue 7).
fn is_legal_form(token: &str) -> bool {
    matches!(
        token,
        "ltd"
            | "limited"
            | "co"
            | "company"
            | "inc"
            | "incorporated"
            | "corp"
            | "corporation"
            | "llc"
            | "llp"
            | "lp"
            | "gmbh"
            | "ag"
            | "sa"
            | "sas"
            | "sarl"
            | "ao"
            | "zao"
            | "oao"
            | "pao"
            | "ooo"
            | "plc"
            | "bv"
            | "nv"
            | "srl"
            | "spa"
            | "kk"
            | "pte"
            | "pty"
            | "ab"
            | "oy"
            | "ао"
            | "зао"
            | "оао"
            | "пао"
            | "ооо"
    )
}

const CJK_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "株式会社",
];

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The lowercased, NFKC-folded text of a name without its CJK company suffix, and the byte
/// ranges of its tokens in that text, legal forms at both ends removed. One allocation for the
/// text and one for the ranges, however many tokens: `normalize` runs on every name, supplier
/// and publisher of every component (issue 7).
pub(crate) fn token_ranges(s: &str) -> (String, Vec<std::ops::Range<usize>>) {
    // NFKC leaves ASCII unchanged: skip it (and its allocation) for the common case.
    let ascii = s.is_ascii();
    let mut text: String = if ascii {
        s.to_ascii_lowercase()
    } else {
        s.nfkc().collect::<String>().to_lowercase()
    };
    // The suffixes are not ASCII.
    for suffix in CJK_SUFFIXES.iter().filter(|_| !ascii) {
        if let Some(stripped) = text.trim_end().strip_suffix(suffix) {
            let len = stripped.len();
            text.truncate(len);
            break;
        }
    }
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_han(c) {
            if let Some(st) = start.take() {
                out.push(st..i);
            }
            out.push(i..i + c.len_utf8());
        } else if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(st) = start.take() {
            out.push(st..i);
        }
    }
    if let Some(st) = start {
        out.push(st..text.len());
    }
    let is_legal = |r: &std::ops::Range<usize>| is_legal_form(&text[r.clone()]);
    while out.last().is_some_and(is_legal) {
        out.pop();
    }
    let lead = out.iter().take_while(|r| is_legal(r)).count();
    // Keep a name that is nothing but a legal form rather than erase it.
    if lead < out.len() {
        out.drain(..lead);
    }
    (text, out)
}

/// The tokens of a name after normalisation.
pub fn tokens(s: &str) -> Vec<String> {
    let (text, ranges) = token_ranges(s);
    ranges.into_iter().map(|r| text[r].to_owned()).collect()
}

/// The normalised form of a name: its tokens joined by single spaces. Idempotent.
pub fn normalize(s: &str) -> String {
    let (text, ranges) = token_ranges(s);
    let mut out = String::with_capacity(text.len());
    for (k, r) in ranges.into_iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(&text[r]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Legal suffixes, punctuation and case do not matter.
    #[test]
    fn strips_legal_forms_and_punctuation() {
        assert_eq!(
            normalize("Huawei Technologies Co., Ltd."),
            "huawei technologies"
        );
        assert_eq!(
            normalize("HUAWEI TECHNOLOGIES COMPANY"),
            "huawei technologies"
        );
        assert_eq!(normalize("AO Kaspersky Lab"), "kaspersky lab");
        assert_eq!(
            normalize("АО «Лаборатория Касперского»"),
            "лаборатория касперского"
        );
    }

    /// Full-width letters fold to ASCII and Han characters become single tokens.
    #[test]
    fn nfkc_and_han_tokens() {
        assert_eq!(normalize("ＫＡＳＰＥＲＳＫＹ"), "kaspersky");
        assert_eq!(normalize("华为技术有限公司"), "华 为 技 术");
    }

    /// Normalising twice changes nothing.
    #[test]
    fn normalize_is_idempotent() {
        for s in [
            "Huawei Technologies Co., Ltd.",
            "杭州海康威视数字技术股份有限公司",
            "Inc",
            " a--b ",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s}");
        }
    }
}
