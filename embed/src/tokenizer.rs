//! BERT's uncased tokenizer: the basic pass (clean, split Chinese characters, lowercase,
//! strip accents, split on whitespace and punctuation) and WordPiece over the model's
//! `vocab.txt`, as Hugging Face's `BertTokenizer` does with `do_lower_case`.

use std::collections::HashMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Words longer than this (in characters) are one unknown token, as in BERT.
const MAX_WORD_CHARS: usize = 100;

/// A WordPiece vocabulary.
#[derive(Debug)]
pub struct Tokenizer {
    ids: HashMap<String, u32>,
    pub(crate) cls: u32,
    pub(crate) sep: u32,
    unk: u32,
}

/// A vocabulary without one of BERT's special tokens.
#[derive(Debug)]
pub struct MissingToken(pub &'static str);

impl Tokenizer {
    /// A vocabulary from `vocab.txt`'s text: one token a line, its id its line number.
    pub fn new(vocab: &str) -> Result<Self, MissingToken> {
        let ids: HashMap<String, u32> = vocab.lines().enumerate().map(|(i, t)| (t.trim_end_matches('\r').to_owned(), i as u32)).collect();
        let id = |t: &'static str| ids.get(t).copied().ok_or(MissingToken(t));
        Ok(Self { cls: id("[CLS]")?, sep: id("[SEP]")?, unk: id("[UNK]")?, ids })
    }

    /// The token ids of a text, without `[CLS]` and `[SEP]`, at most `max` of them.
    pub fn encode(&self, text: &str, max: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for word in basic(text) {
            if out.len() >= max {
                break;
            }
            self.word_pieces(&word, &mut out);
        }
        out.truncate(max);
        out
    }

    /// Greedy longest-match-first pieces of one word; an unknown word is `[UNK]`.
    fn word_pieces(&self, word: &str, out: &mut Vec<u32>) {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() > MAX_WORD_CHARS {
            out.push(self.unk);
            return;
        }
        let mark = out.len();
        let mut start = 0;
        let mut piece = String::new();
        while start < chars.len() {
            let from = chars[start].0;
            let mut end = chars.len();
            let mut found = None;
            while start < end {
                let to = chars.get(end).map_or(word.len(), |c| c.0);
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.push_str(&word[from..to]);
                if let Some(&id) = self.ids.get(&piece) {
                    found = Some(id);
                    break;
                }
                end -= 1;
            }
            let Some(id) = found else {
                out.truncate(mark);
                out.push(self.unk);
                return;
            };
            out.push(id);
            start = end;
        }
    }
}

/// BERT's basic pass: the words and punctuation marks of a text, lowercased and without
/// accents.
fn basic(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    for c in text.chars().flat_map(char::to_lowercase).nfd() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) || is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            flush(&mut word, &mut words);
        } else if is_punctuation(c) || is_chinese(c) {
            flush(&mut word, &mut words);
            words.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut words);
    words
}

/// Control and format characters (Unicode's C categories), which BERT drops; tab and
/// line breaks are whitespace.
fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    c.is_control()
        || matches!(c as u32,
            0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
            | 0x2060..=0x2064 | 0x2066..=0x206F | 0xE000..=0xF8FF | 0xFEFF | 0xFFF9..=0xFFFB)
}

/// ASCII's non-alphanumeric printable characters and the common Unicode punctuation
/// (Unicode's P categories), each its own token.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c as u32,
            0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF | 0x37E | 0x387 | 0x55A..=0x55F | 0x589 | 0x5BE
            | 0x5C0 | 0x5C3 | 0x5C6 | 0x5F3 | 0x5F4 | 0x609..=0x60D | 0x61B | 0x61E | 0x61F | 0x66A..=0x66D
            | 0x6D4 | 0x964 | 0x965 | 0x970 | 0xE4F | 0xE5A | 0xE5B | 0x2010..=0x2027 | 0x2030..=0x2043
            | 0x2045..=0x2051 | 0x2053..=0x205E | 0x207D | 0x207E | 0x208D | 0x208E | 0x2308..=0x230B
            | 0x2329 | 0x232A | 0x2768..=0x2775 | 0x27C5 | 0x27C6 | 0x27E6..=0x27EF | 0x2983..=0x2998
            | 0x29D8..=0x29DB | 0x29FC | 0x29FD | 0x2CF9..=0x2CFC | 0x2CFE | 0x2CFF | 0x2E00..=0x2E2E
            | 0x2E30..=0x2E4F | 0x3001..=0x3003 | 0x3008..=0x3011 | 0x3014..=0x301F | 0x3030 | 0x303D
            | 0x30A0 | 0x30FB | 0xFD3E | 0xFD3F | 0xFE10..=0xFE19 | 0xFE30..=0xFE52 | 0xFE54..=0xFE61
            | 0xFE63 | 0xFE68 | 0xFE6A | 0xFE6B | 0xFF01..=0xFF03 | 0xFF05..=0xFF0A | 0xFF0C..=0xFF0F
            | 0xFF1A | 0xFF1B | 0xFF1F | 0xFF20 | 0xFF3B..=0xFF3D | 0xFF3F | 0xFF5B | 0xFF5D
            | 0xFF5F..=0xFF65)
}

/// CJK ideographs, which BERT splits one by one.
fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_pass_lowercases_strips_accents_and_splits_punctuation() {
        assert_eq!(basic("Hello, Tromsø! Don't"), ["hello", ",", "tromsø", "!", "don", "'", "t"]);
        assert_eq!(basic("Café naïve ÅÄÖ 東京 x²"), ["cafe", "naive", "aao", "東", "京", "x²"]);
        assert_eq!(basic("  tabs\tand\nnew\u{200b}lines"), ["tabs", "and", "newlines"]);
    }

    #[test]
    fn word_pieces_are_greedy_and_unknown_words_are_one_token() {
        let t = Tokenizer::new("[PAD]\n[UNK]\n[CLS]\n[SEP]\nun\n##aff\n##able\n##a\nx").unwrap();
        assert_eq!(t.encode("unaffable", 10), [4, 5, 6]);
        assert_eq!(t.encode("unaffablez x", 10), [1, 8]);
        assert_eq!(t.encode("unaffable x", 2), [4, 5]);
        assert_eq!(t.encode(&"x".repeat(101), 10), [1]);
    }
}
