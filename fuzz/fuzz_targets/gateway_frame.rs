//! Decoding any bytes as a gateway frame and its payloads never panics, and what decodes
//! survives a round trip.
#![no_main]

use chat_engine::model::gateway::{Frame, Identify, RequestMembers, Resume};
use chat_engine::model::{UpdatePresence, UpdateVoiceState};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(frame) = serde_json::from_slice::<Frame>(bytes) else { return };
    let again: Frame = serde_json::from_str(&frame.to_text()).expect("a frame re-decodes");
    assert_eq!(again.op, frame.op);
    if let Some(d) = frame.d {
        let _ = serde_json::from_value::<Identify>(d.clone());
        let _ = serde_json::from_value::<Resume>(d.clone());
        let _ = serde_json::from_value::<UpdatePresence>(d.clone());
        let _ = serde_json::from_value::<UpdateVoiceState>(d.clone());
        let _ = serde_json::from_value::<RequestMembers>(d);
    }
});
