/**
 * Where a JSON document stops being JSON, to the byte. stream-json's parser says what it expected
 * but not where, and the reader only knows which 1 MiB chunk it was in; so, on the error path only,
 * the content is read again through this small byte-level recogniser of RFC 8259's grammar, which
 * returns the offset of the first byte that cannot continue a JSON text (or the length of the input
 * when it ends too early). Iterative, so any nesting depth is fine; bytes of 0x80 and above are
 * accepted inside strings, as the parser does after UTF-8 decoding.
 */

enum Expect {
  Value,
  /** After `[`: a value or `]`. */
  ValueOrClose,
  /** After `{`: a key or `}`. */
  KeyOrClose,
  Key,
  Colon,
  /** After a value inside a container: `,` or the container's close. */
  CommaOrClose,
  Done,
}

enum Lex {
  None,
  String,
  Escape,
  Unicode,
  Number,
  Literal,
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isHex = (b: number) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/** Number phases: which characters may come next. */
enum Num {
  Sign, // after "-": a digit
  Zero, // after a leading 0: . e E or end
  Int, // in the integer digits
  Dot, // after ".": a digit
  Frac, // in the fraction digits
  Exp, // after e/E: sign or digit
  ExpSign, // after the exponent's sign: a digit
  ExpDigits, // in the exponent digits
}

export async function firstJsonErrorOffset(chunks: AsyncIterable<Buffer>): Promise<number> {
  const stack: number[] = [];
  let expect = Expect.Value as Expect;
  let lex = Lex.None as Lex;
  let stringIsKey = false;
  let unicodeLeft = 0;
  let num = Num.Int as Num;
  let literal = "";
  let literalAt = 0;
  let offset = 0;

  /** A value ended: what may follow depends on the container it is in. */
  const valueDone = () => {
    expect = stack.length === 0 ? Expect.Done : Expect.CommaOrClose;
  };

  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++, offset++) {
      const b = chunk[i];
      if (lex === Lex.String) {
        if (b === 0x22) {
          lex = Lex.None;
          if (stringIsKey) expect = Expect.Colon;
          else valueDone();
        } else if (b === 0x5c) lex = Lex.Escape;
        else if (b < 0x20) return offset;
        continue;
      }
      if (lex === Lex.Escape) {
        if (b === 0x75) {
          lex = Lex.Unicode;
          unicodeLeft = 4;
        } else if ('"\\/bfnrt'.includes(String.fromCharCode(b))) lex = Lex.String;
        else return offset;
        continue;
      }
      if (lex === Lex.Unicode) {
        if (!isHex(b)) return offset;
        if (--unicodeLeft === 0) lex = Lex.String;
        continue;
      }
      if (lex === Lex.Literal) {
        if (b !== literal.charCodeAt(literalAt)) return offset;
        if (++literalAt === literal.length) {
          lex = Lex.None;
          valueDone();
        }
        continue;
      }
      if (lex === Lex.Number) {
        const digit = isDigit(b);
        if (num === Num.Sign) {
          if (!digit) return offset;
          num = b === 0x30 ? Num.Zero : Num.Int;
          continue;
        }
        if (num === Num.Dot || num === Num.ExpSign) {
          if (!digit) return offset;
          num = num === Num.Dot ? Num.Frac : Num.ExpDigits;
          continue;
        }
        if (num === Num.Exp) {
          if (b === 0x2b || b === 0x2d) num = Num.ExpSign;
          else if (digit) num = Num.ExpDigits;
          else return offset;
          continue;
        }
        if (digit && num !== Num.Zero) continue;
        if (b === 0x2e && (num === Num.Zero || num === Num.Int)) {
          num = Num.Dot;
          continue;
        }
        if ((b === 0x65 || b === 0x45) && num !== Num.ExpDigits) {
          num = Num.Exp;
          continue;
        }
        // The number ended at this byte, which is read as what follows it.
        lex = Lex.None;
        valueDone();
      }
      if (isSpace(b)) continue;
      switch (expect) {
        case Expect.Done:
          return offset;
        case Expect.Colon:
          if (b !== 0x3a) return offset;
          expect = Expect.Value;
          continue;
        case Expect.CommaOrClose: {
          const open = stack[stack.length - 1];
          if (b === 0x2c) expect = open === 0x7b ? Expect.Key : Expect.Value;
          else if ((b === 0x5d && open === 0x5b) || (b === 0x7d && open === 0x7b)) {
            stack.pop();
            valueDone();
          } else return offset;
          continue;
        }
        case Expect.KeyOrClose:
        case Expect.Key:
          if (b === 0x7d && expect === Expect.KeyOrClose) {
            stack.pop();
            valueDone();
          } else if (b === 0x22) {
            lex = Lex.String;
            stringIsKey = true;
          } else return offset;
          continue;
        default: {
          // Expect.Value or Expect.ValueOrClose
          if (b === 0x5d && expect === Expect.ValueOrClose) {
            stack.pop();
            valueDone();
          } else if (b === 0x7b || b === 0x5b) {
            stack.push(b);
            expect = b === 0x7b ? Expect.KeyOrClose : Expect.ValueOrClose;
          } else if (b === 0x22) {
            lex = Lex.String;
            stringIsKey = false;
          } else if (b === 0x2d || isDigit(b)) {
            lex = Lex.Number;
            num = b === 0x2d ? Num.Sign : b === 0x30 ? Num.Zero : Num.Int;
          } else if (b === 0x74 || b === 0x66 || b === 0x6e) {
            lex = Lex.Literal;
            literal = b === 0x74 ? "true" : b === 0x66 ? "false" : "null";
            literalAt = 1;
          } else if (!(offset < 3 && (b === 0xef || b === 0xbb || b === 0xbf))) return offset;
        }
      }
    }
  }
  // A number can end the input; anything else open means the input ended too early.
  if (
    lex === Lex.Number &&
    (num === Num.Zero || num === Num.Int || num === Num.Frac || num === Num.ExpDigits)
  )
    valueDone();
  else if (lex !== Lex.None) return offset;
  return expect === Expect.Done ? -1 : offset;
}
