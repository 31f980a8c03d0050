/* Case-file review: the reviewer's share of the seed is drawn here, in the browser
   (crypto.getRandomValues), and only its SM3 digest is sent; the share never reaches the
   server before the pool is frozen (GB/T 32905 SM3, as the published algorithm uses). */
(function () {
  "use strict";
  var IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];
  function rotl(x, n) { n %= 32; return ((x << n) | (x >>> (32 - n))) >>> 0; }
  function p0(x) { return (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0; }
  function p1(x) { return (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0; }
  function sm3(bytes) {
    var len = bytes.length, bitLen = len * 8;
    var padded = new Uint8Array(((len + 9 + 63) >> 6) << 6);
    padded.set(bytes); padded[len] = 0x80;
    var dv = new DataView(padded.buffer);
    dv.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000));
    dv.setUint32(padded.length - 4, bitLen >>> 0);
    var v = IV.slice(), w = new Array(68), w1 = new Array(64);
    for (var off = 0; off < padded.length; off += 64) {
      var j;
      for (j = 0; j < 16; j++) w[j] = dv.getUint32(off + j * 4);
      for (j = 16; j < 68; j++) w[j] = (p1(w[j - 16] ^ w[j - 9] ^ rotl(w[j - 3], 15)) ^ rotl(w[j - 13], 7) ^ w[j - 6]) >>> 0;
      for (j = 0; j < 64; j++) w1[j] = (w[j] ^ w[j + 4]) >>> 0;
      var a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
      for (j = 0; j < 64; j++) {
        var t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
        var ss1 = rotl((rotl(a, 12) + e + rotl(t, j)) >>> 0, 7);
        var ss2 = (ss1 ^ rotl(a, 12)) >>> 0;
        var ff = j < 16 ? (a ^ b ^ c) : ((a & b) | (a & c) | (b & c));
        var gg = j < 16 ? (e ^ f ^ g) : ((e & f) | (~e & g));
        var tt1 = ((ff >>> 0) + d + ss2 + w1[j]) >>> 0;
        var tt2 = ((gg >>> 0) + h + ss1 + w[j]) >>> 0;
        d = c; c = rotl(b, 9); b = a; a = tt1;
        h = g; g = rotl(f, 19); f = e; e = p0(tt2);
      }
      v = [a ^ v[0], b ^ v[1], c ^ v[2], d ^ v[3], e ^ v[4], f ^ v[5], g ^ v[6], h ^ v[7]];
    }
    return v.map(function (x) { return ("00000000" + (x >>> 0).toString(16)).slice(-8); }).join("");
  }
  function utf8(text) { return new TextEncoder().encode(text); }
  if (typeof module !== "undefined") { module.exports = { sm3: function (t) { return sm3(utf8(t)); } }; return; }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("draw-share");
    if (!button) return;
    var share = document.getElementById("id_share_local");
    var commitment = document.getElementById("id_commitment");
    button.hidden = false;
    button.addEventListener("click", function () {
      var raw = new Uint8Array(32);
      window.crypto.getRandomValues(raw);
      var hex = Array.prototype.map.call(raw, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
      share.value = hex;
      share.parentNode.hidden = false;
      commitment.value = sm3(utf8(hex));
      share.select();
    });
    commitment.form.addEventListener("submit", function () { share.value = ""; share.disabled = true; });
  });
})();
