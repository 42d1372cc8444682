//! Why a line, sentence or message was rejected. Every reject is counted by reason.

/// A reason for rejecting input. The set is closed so counters can be an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, thiserror::Error)]
pub enum Reject {
    #[error("line too long")]
    LineTooLong,
    #[error("bad checksum")]
    BadChecksum,
    #[error("bad tag block")]
    BadTagBlock,
    #[error("malformed sentence")]
    Malformed,
    #[error("unknown sentence")]
    UnknownSentence,
    #[error("invalid payload character")]
    BadPayloadChar,
    #[error("bad fill bits")]
    BadFillBits,
    #[error("payload too long")]
    PayloadTooLong,
    #[error("truncated payload")]
    TruncatedPayload,
    #[error("unknown message type")]
    UnknownMessageType,
    #[error("orphan fragment")]
    OrphanFragment,
    #[error("timed-out fragment group")]
    FragmentTimeout,
    #[error("bad GNSS sentence")]
    BadGnss,
}

impl Reject {
    pub const ALL: [Reject; 13] = [
        Reject::LineTooLong,
        Reject::BadChecksum,
        Reject::BadTagBlock,
        Reject::Malformed,
        Reject::UnknownSentence,
        Reject::BadPayloadChar,
        Reject::BadFillBits,
        Reject::PayloadTooLong,
        Reject::TruncatedPayload,
        Reject::UnknownMessageType,
        Reject::OrphanFragment,
        Reject::FragmentTimeout,
        Reject::BadGnss,
    ];

    /// Stable snake_case name, used in counters and metrics labels.
    pub fn name(self) -> &'static str {
        match self {
            Reject::LineTooLong => "line_too_long",
            Reject::BadChecksum => "bad_checksum",
            Reject::BadTagBlock => "bad_tag_block",
            Reject::Malformed => "malformed",
            Reject::UnknownSentence => "unknown_sentence",
            Reject::BadPayloadChar => "bad_payload_char",
            Reject::BadFillBits => "bad_fill_bits",
            Reject::PayloadTooLong => "payload_too_long",
            Reject::TruncatedPayload => "truncated_payload",
            Reject::UnknownMessageType => "unknown_message_type",
            Reject::OrphanFragment => "orphan_fragment",
            Reject::FragmentTimeout => "fragment_timeout",
            Reject::BadGnss => "bad_gnss",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}
