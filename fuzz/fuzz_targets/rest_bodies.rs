//! Decoding any bytes as a REST request body never panics, and what decodes re-encodes to
//! something that decodes the same.
#![no_main]

use chat_engine::model::{
    CreateChannel, CreateInvite, CreateMessage, CreateRole, CreateServer, EditMessage,
    HistoryQuery, RegisterRequest, SearchQuery, UpdateChannel, UpdateMember, UpdateProfile,
    UpdateRole,
};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        let text = serde_json::to_string(&value).expect("bodies encode");
        let again: T = serde_json::from_str(&text).expect("bodies re-decode");
        assert_eq!(again, value);
    }
}

fuzz_target!(|bytes: &[u8]| {
    round_trip::<RegisterRequest>(bytes);
    round_trip::<CreateServer>(bytes);
    round_trip::<CreateChannel>(bytes);
    round_trip::<UpdateChannel>(bytes);
    round_trip::<CreateMessage>(bytes);
    round_trip::<EditMessage>(bytes);
    round_trip::<CreateRole>(bytes);
    round_trip::<UpdateRole>(bytes);
    round_trip::<UpdateMember>(bytes);
    round_trip::<UpdateProfile>(bytes);
    round_trip::<CreateInvite>(bytes);
    round_trip::<HistoryQuery>(bytes);
    round_trip::<SearchQuery>(bytes);
});
