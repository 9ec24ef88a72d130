;; The maximal runs of two character classes in a text's UTF-8 bytes, in one pass: where card numbers,
;; SSNs and telephone numbers can be (runs of `0-9 ().-`, at least 9 long with 9 digits) and where IBANs
;; can be (runs of `A-Z0-9 `, at least 15 long with 2 digits). byte-runs.ts explains why and how it is
;; used; build with `npm run build:wasm` (byte-runs.wasm is committed, and CI checks it is this file's).
;;
;; Input: `len` bytes at offset 65536, followed by 16 zero bytes. Output: one record of four i32 per run
;; in [out, outEnd) — kind (0 number, 1 IBAN), start and end as UTF-16 offsets into the original string,
;; digit count — in order of their start within each kind. Returns the number of records, or -1 when
;; they did not fit (the caller gives more room and asks again).
;;
;; How: 16 bytes at a time, the SIMD compares give each class a 16-bit mask. Joined with the previous
;; block's mask, shifts and ANDs mark every window of 9 (15) consecutive class characters that ends in
;; this block; only such a window is looked at byte by byte: its run is grown both ways (never left of
;; the last run found of that kind, so no byte is grown over twice) and its digits counted. Runs are
;; ASCII, so a run's UTF-16 offset is its byte offset less the extra bytes of the multi-byte characters
;; before it (continuation bytes, less one per 4-byte character, which is two UTF-16 units), counted
;; per block from the same masks.
(module
  (memory (export "memory") 2)

  ;; Class of each byte: 1 number-run character, 2 IBAN-run character, 4 digit.
  (data (i32.const 32)
    "\03\00\00\00\00\00\00\00\01\01\00\00\00\01\01\00"  ;; 0x20 space ( ) - .
    "\07\07\07\07\07\07\07\07\07\07\00\00\00\00\00\00"  ;; 0x30 0-9
    "\00\02\02\02\02\02\02\02\02\02\02\02\02\02\02\02"  ;; 0x40 A-O
    "\02\02\02\02\02\02\02\02\02\02\02")                ;; 0x50 P-Z

  (global $len (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 0))
  (global $outEnd (mut i32) (i32.const 0))
  (global $overflow (mut i32) (i32.const 0))
  (global $numberCovered (mut i32) (i32.const 0))
  (global $ibanCovered (mut i32) (i32.const 0))

  ;; Grows the run of `bit` around [at, at + width), not left of `covered`, and records it if it is long
  ;; enough. Returns where it ends (the new `covered` for its kind).
  (func $grow (param $at i32) (param $width i32) (param $covered i32) (param $bit i32) (param $kind i32)
      (param $minLength i32) (param $minDigits i32) (param $extra i32) (result i32)
    (local $start i32) (local $end i32) (local $index i32) (local $digits i32)
    (local.set $start (local.get $at))
    (block $left
      (loop $more
        (br_if $left (i32.le_u (local.get $start) (local.get $covered)))
        (br_if $left (i32.eqz (i32.and (i32.load8_u (i32.load8_u offset=65535 (local.get $start))) (local.get $bit))))
        (local.set $start (i32.sub (local.get $start) (i32.const 1)))
        (br $more)))
    (local.set $end (i32.add (local.get $at) (local.get $width)))
    (block $right
      (loop $more
        (br_if $right (i32.ge_u (local.get $end) (global.get $len)))
        (br_if $right (i32.eqz (i32.and (i32.load8_u (i32.load8_u offset=65536 (local.get $end))) (local.get $bit))))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (br $more)))
    (local.set $index (local.get $start))
    (block $counted
      (loop $more
        (br_if $counted (i32.ge_u (local.get $index) (local.get $end)))
        (local.set $digits
          (i32.add (local.get $digits) (i32.shr_u (i32.and (i32.load8_u (i32.load8_u offset=65536 (local.get $index))) (i32.const 4)) (i32.const 2))))
        (local.set $index (i32.add (local.get $index) (i32.const 1)))
        (br $more)))
    (if (i32.and
          (i32.ge_u (i32.sub (local.get $end) (local.get $start)) (local.get $minLength))
          (i32.ge_u (local.get $digits) (local.get $minDigits)))
      (then
        (if (i32.gt_u (i32.add (global.get $out) (i32.const 16)) (global.get $outEnd))
          (then (global.set $overflow (i32.const 1)) (return (local.get $end))))
        (i32.store (global.get $out) (local.get $kind))
        (i32.store offset=4 (global.get $out) (i32.sub (local.get $start) (local.get $extra)))
        (i32.store offset=8 (global.get $out) (i32.sub (local.get $end) (local.get $extra)))
        (i32.store offset=12 (global.get $out) (local.get $digits))
        (global.set $out (i32.add (global.get $out) (i32.const 16)))))
    (local.get $end))

  ;; Multi-byte characters' extra bytes among the first `count` bytes of a block (masks as below).
  (func $extraBelow (param $continuation i32) (param $lead4 i32) (param $count i32) (result i32)
    (local $below i32)
    (local.set $below (i32.sub (i32.shl (i32.const 1) (local.get $count)) (i32.const 1)))
    (i32.sub
      (i32.popcnt (i32.and (local.get $continuation) (local.get $below)))
      (i32.popcnt (i32.and (local.get $lead4) (local.get $below)))))

  (func (export "find") (param $len i32) (param $out i32) (param $outEnd i32) (result i32)
    (local $block i32) (local $bytes v128) (local $digit v128) (local $space v128)
    (local $number i32) (local $iban i32) (local $continuation i32) (local $lead4 i32)
    (local $previousNumber i32) (local $previousIban i32) (local $joined i32) (local $windows i32)
    (local $bit i32) (local $at i32) (local $extra i32)
    (global.set $len (local.get $len))
    (global.set $out (local.get $out))
    (global.set $outEnd (local.get $outEnd))
    (global.set $overflow (i32.const 0))
    (global.set $numberCovered (i32.const 0))
    (global.set $ibanCovered (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $block) (local.get $len)))
        (local.set $bytes (v128.load offset=65536 (local.get $block)))
        (local.set $digit (i8x16.lt_u (i8x16.sub (local.get $bytes) (i8x16.splat (i32.const 48))) (i8x16.splat (i32.const 10))))
        (local.set $space (i8x16.eq (local.get $bytes) (i8x16.splat (i32.const 32))))
        (local.set $number (i8x16.bitmask
          (v128.or
            (v128.or (local.get $digit) (local.get $space))
            (v128.or
              (v128.or (i8x16.eq (local.get $bytes) (i8x16.splat (i32.const 40))) (i8x16.eq (local.get $bytes) (i8x16.splat (i32.const 41))))
              (v128.or (i8x16.eq (local.get $bytes) (i8x16.splat (i32.const 45))) (i8x16.eq (local.get $bytes) (i8x16.splat (i32.const 46))))))))
        (local.set $iban (i8x16.bitmask
          (v128.or
            (v128.or (local.get $digit) (local.get $space))
            (i8x16.lt_u (i8x16.sub (local.get $bytes) (i8x16.splat (i32.const 65))) (i8x16.splat (i32.const 26))))))
        (local.set $continuation (i8x16.bitmask
          (i8x16.eq (v128.and (local.get $bytes) (i8x16.splat (i32.const 0xC0))) (i8x16.splat (i32.const 0x80)))))
        (local.set $lead4 (i8x16.bitmask
          (i8x16.eq (v128.and (local.get $bytes) (i8x16.splat (i32.const 0xF8))) (i8x16.splat (i32.const 0xF0)))))
        ;; Number runs: bit p of `windows` (previous block's bits 0-15, this block's 16-31) is set when the
        ;; 9 characters from p on are all number characters; kept only if the window ends in this block.
        (local.set $joined (i32.or (i32.shl (local.get $number) (i32.const 16)) (local.get $previousNumber)))
        (local.set $windows (i32.and (local.get $joined) (i32.shr_u (local.get $joined) (i32.const 1))))
        (local.set $windows (i32.and (local.get $windows) (i32.shr_u (local.get $windows) (i32.const 2))))
        (local.set $windows (i32.and (local.get $windows) (i32.shr_u (local.get $windows) (i32.const 4))))
        (local.set $windows (i32.and
          (i32.and (local.get $windows) (i32.shr_u (local.get $joined) (i32.const 8)))
          (i32.const 0x00FFFF00)))
        (block $numbersDone
          (loop $window
            (br_if $numbersDone (i32.eqz (local.get $windows)))
            (local.set $bit (i32.ctz (local.get $windows)))
            (local.set $windows (i32.and (local.get $windows) (i32.sub (local.get $windows) (i32.const 1))))
            (local.set $at (i32.sub (i32.add (local.get $block) (local.get $bit)) (i32.const 16)))
            (if (i32.ge_u (local.get $at) (global.get $numberCovered))
              (then
                (global.set $numberCovered
                  (call $grow (local.get $at) (i32.const 9) (global.get $numberCovered) (i32.const 1) (i32.const 0)
                    (i32.const 9) (i32.const 9)
                    ;; The window's last character is in this block; the run is ASCII, so the count there holds for all of it.
                    (i32.add (local.get $extra)
                      (call $extraBelow (local.get $continuation) (local.get $lead4) (i32.sub (local.get $bit) (i32.const 8))))))))
            (br $window)))
        ;; IBAN runs: windows of 15 (8 consecutive, then 8 consecutive again from 7 on), ending in this block.
        (local.set $joined (i32.or (i32.shl (local.get $iban) (i32.const 16)) (local.get $previousIban)))
        (local.set $windows (i32.and (local.get $joined) (i32.shr_u (local.get $joined) (i32.const 1))))
        (local.set $windows (i32.and (local.get $windows) (i32.shr_u (local.get $windows) (i32.const 2))))
        (local.set $windows (i32.and (local.get $windows) (i32.shr_u (local.get $windows) (i32.const 4))))
        (local.set $windows (i32.and
          (i32.and (local.get $windows) (i32.shr_u (local.get $windows) (i32.const 7)))
          (i32.const 0x0003FFFC)))
        (block $ibansDone
          (loop $window
            (br_if $ibansDone (i32.eqz (local.get $windows)))
            (local.set $bit (i32.ctz (local.get $windows)))
            (local.set $windows (i32.and (local.get $windows) (i32.sub (local.get $windows) (i32.const 1))))
            (local.set $at (i32.sub (i32.add (local.get $block) (local.get $bit)) (i32.const 16)))
            (if (i32.ge_u (local.get $at) (global.get $ibanCovered))
              (then
                (global.set $ibanCovered
                  (call $grow (local.get $at) (i32.const 15) (global.get $ibanCovered) (i32.const 2) (i32.const 1)
                    (i32.const 15) (i32.const 2)
                    (i32.add (local.get $extra)
                      (call $extraBelow (local.get $continuation) (local.get $lead4) (i32.sub (local.get $bit) (i32.const 2))))))))
            (br $window)))
        (local.set $previousNumber (local.get $number))
        (local.set $previousIban (local.get $iban))
        (local.set $extra (i32.add (local.get $extra)
          (i32.sub (i32.popcnt (local.get $continuation)) (i32.popcnt (local.get $lead4)))))
        (local.set $block (i32.add (local.get $block) (i32.const 16)))
        (br $next)))
    (if (global.get $overflow) (then (return (i32.const -1))))
    (i32.shr_u (i32.sub (global.get $out) (local.get $out)) (i32.const 4)))
)
