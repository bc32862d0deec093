using System.Runtime.InteropServices;

namespace RealtimeMM.Speech;

/// <summary>
/// Debian's PocketSphinx 5prealpha C API (libpocketsphinx3, libsphinxbase3). Strings the decoder
/// returns are owned by it: they come back as pointers and are copied with
/// <see cref="Marshal.PtrToStringUTF8(nint)"/>, never marshalled as <c>string</c>.
/// </summary>
internal static unsafe partial class PocketSphinxNative
{
    public const string Library = "libpocketsphinx.so.3", BaseLibrary = "libsphinxbase.so.3";

    [LibraryImport(BaseLibrary)] public static partial nint err_set_logfp(nint file);
    [LibraryImport(BaseLibrary, StringMarshalling = StringMarshalling.Utf8)] public static partial nint cmd_ln_parse_r(nint inout, nint definitions, int argc, string[] argv, int strict);
    [LibraryImport(BaseLibrary)] public static partial int cmd_ln_free_r(nint config);

    [LibraryImport(Library)] public static partial nint ps_args();
    [LibraryImport(Library)] public static partial nint ps_init(nint config);
    [LibraryImport(Library)] public static partial int ps_free(nint decoder);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] public static partial int ps_set_jsgf_string(nint decoder, string name, string jsgf);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] public static partial int ps_set_search(nint decoder, string name);
    [LibraryImport(Library)] public static partial int ps_start_utt(nint decoder);
    [LibraryImport(Library)] public static partial int ps_process_raw(nint decoder, short* data, nuint samples, int noSearch, int fullUtterance);
    [LibraryImport(Library)] public static partial int ps_end_utt(nint decoder);
    [LibraryImport(Library)] public static partial nint ps_get_hyp(nint decoder, out int bestScore);
    [LibraryImport(Library)] public static partial nint ps_nbest(nint decoder);
    [LibraryImport(Library)] public static partial nint ps_nbest_next(nint nbest);
    [LibraryImport(Library)] public static partial nint ps_nbest_hyp(nint nbest, out int score);
    [LibraryImport(Library)] public static partial void ps_nbest_free(nint nbest);

    // the decoder's own front end (MFCC, then CMN and deltas as feat.params asks), for speaker adaptation
    [LibraryImport(Library)] public static partial nint ps_get_fe(nint decoder);
    [LibraryImport(Library)] public static partial nint ps_get_feat(nint decoder);
    [LibraryImport(BaseLibrary)] public static partial int fe_start_utt(nint fe);
    [LibraryImport(BaseLibrary)] public static partial int fe_process_utt(nint fe, short* samples, nuint count, out nint cepstra, out int frames);
    [LibraryImport(BaseLibrary)] public static partial int fe_end_utt(nint fe, float* cepstrum, out int frames);
    [LibraryImport(BaseLibrary)] public static partial nint feat_array_alloc(nint feat, int frames);
    [LibraryImport(BaseLibrary)] public static partial void feat_array_free(nint array);
    [LibraryImport(BaseLibrary)] public static partial int feat_s2mfc2feat_live(nint feat, nint cepstra, ref int count, int beginUtterance, int endUtterance, nint features);
    [LibraryImport(BaseLibrary)] public static partial void ckd_free_2d(nint array);

    /// <summary>PocketSphinx scores are logarithms in base 1.0001 (sphinxbase's default logmath).</summary>
    public static double ToNaturalLog(int score) => score * Math.Log(1.0001);
}
