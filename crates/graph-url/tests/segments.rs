//! Whatever a value holds, it is sent as exactly one path segment that decodes back to it.

use percent_encoding::percent_decode_str;
use proptest::prelude::*;

fn decoded(encoded: &str) -> String {
    percent_decode_str(encoded).decode_utf8_lossy().into_owned()
}

proptest! {
    #[test]
    fn a_value_is_one_segment_that_decodes_back_to_it(value in any::<String>()) {
        let encoded = graph_url::value_segment(&value);
        prop_assert!(!encoded.contains(['/', '?', '#', ' ']), "{encoded}");
        // URL normalisation would collapse these, taking the segment away.
        prop_assert!(encoded != "." && encoded != "..");
        prop_assert_eq!(decoded(&encoded), value);
    }

    #[test]
    fn call_arguments_stay_in_their_segment_and_decode_back(arguments in "[ -~]{0,24}|\\PC{0,12}") {
        let encoded = graph_url::encoded_arguments(&arguments);
        prop_assert!(!encoded.contains(['/', '?', '#', ' ']), "{encoded}");
        prop_assert_eq!(decoded(&encoded), arguments);
    }
}
