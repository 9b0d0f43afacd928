//! form_bool and Checked: checkbox values from urlencoded and JSON posts.

use domain::{form_bool, Checked};
use proptest::prelude::*;
use proptest::sample::select;
use serde::{Deserialize, Serialize};

use crate::strategies::*;

#[derive(Debug, Deserialize)]
struct Post {
    #[serde(default, deserialize_with = "form_bool")]
    on: bool,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct CheckedPost {
    #[serde(default)]
    on: Checked,
}

const WORDS: [&str; 9] = ["on", "true", "1", "yes", "off", "false", "0", "no", ""];

/// The documented rule: these words in any case with spaces around, anything else refused.
fn expected(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Some(true),
        "off" | "false" | "0" | "no" | "" => Some(false),
        _ => None,
    }
}

fn checkbox_text() -> impl Strategy<Value = String> {
    prop_oneof![
        text_near(select(WORDS.map(str::to_owned).to_vec())),
        (
            select(WORDS.to_vec()),
            proptest::collection::vec(any::<bool>(), 5),
            "[ \t]{0,2}"
        )
            .prop_map(|(w, upper, pad)| {
                let body: String = w
                    .chars()
                    .zip(upper)
                    .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
                    .collect();
                format!("{pad}{body}{pad}")
            }),
    ]
}

proptest! {
    #[test]
    fn urlencoded_strings_follow_the_rule(text in checkbox_text()) {
        let body = serde_urlencoded::to_string([("on", text.as_str())]).expect("encode");
        let post = serde_urlencoded::from_str::<Post>(&body).ok().map(|p| p.on);
        prop_assert_eq!(post, expected(&text));
        let checked = serde_urlencoded::from_str::<CheckedPost>(&body).ok().map(|p| p.on.0);
        prop_assert_eq!(checked, expected(&text));
    }

    #[test]
    fn json_strings_follow_the_rule(text in checkbox_text()) {
        let body = serde_json::json!({ "on": text }).to_string();
        let post = serde_json::from_str::<Post>(&body).ok().map(|p| p.on);
        prop_assert_eq!(post, expected(&text));
        let checked = serde_json::from_str::<CheckedPost>(&body).ok().map(|p| p.on.0);
        prop_assert_eq!(checked, expected(&text));
    }

    #[test]
    fn json_numbers_are_0_or_1(n in prop_oneof![-3i64..4, any::<i64>()]) {
        let body = format!(r#"{{"on":{n}}}"#);
        let post = serde_json::from_str::<Post>(&body).ok().map(|p| p.on);
        let expected = match n {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        };
        prop_assert_eq!(post, expected);
    }

    #[test]
    fn checked_round_trips(on in any::<bool>()) {
        let post = CheckedPost { on: Checked(on) };
        let json = serde_json::to_string(&post).expect("serialize");
        prop_assert_eq!(serde_json::from_str::<CheckedPost>(&json).ok(), Some(CheckedPost { on: Checked(on) }));
        let body = serde_urlencoded::to_string(&post).expect("encode");
        prop_assert_eq!(serde_urlencoded::from_str::<CheckedPost>(&body).ok(), Some(post));
        // An unchecked box is not posted at all.
        prop_assert_eq!(serde_urlencoded::from_str::<CheckedPost>("").ok().map(|p| p.on), Some(Checked(false)));
    }
}
