using static RealtimeMM.Speech.PocketSphinxNative;

namespace RealtimeMM.Speech;

/// <summary>
/// One PocketSphinx decoder and the configuration it was made from, freed together: the recogniser's and
/// speaker enrolment's (which uses only its front end). A missing library or model becomes a
/// <see cref="SpeechUnavailableException"/> naming the Debian packages.
/// </summary>
internal sealed class PocketSphinxDecoder : IDisposable
{
    public const string Install = "install Debian's libpocketsphinx3 and pocketsphinx-en-us (apt-get install libpocketsphinx3 pocketsphinx-en-us)";

    nint config, handle;

    PocketSphinxDecoder()
    {
    }

    /// <summary>The ps_decoder_t; valid until Dispose.</summary>
    public nint Handle => handle != 0 ? handle : throw new ObjectDisposedException(nameof(PocketSphinxDecoder));

    /// <summary>Parses the settings (flag to value, as on PocketSphinx's command line) and loads the acoustic model in <paramref name="modelFolder"/>.</summary>
    public static PocketSphinxDecoder Create(IReadOnlyDictionary<string, string> settings, string modelFolder, bool log)
    {
        var decoder = new PocketSphinxDecoder();
        try
        {
            if (!log)
                err_set_logfp(0); // silences the chatter of config parsing and init, before -logfn is read
            string[] argv = settings.SelectMany(kv => new[] { kv.Key, kv.Value }).ToArray();
            decoder.config = cmd_ln_parse_r(0, ps_args(), argv.Length, argv, 1);
            if (decoder.config == 0)
                throw new SpeechUnavailableException($"speech: PocketSphinx rejected its configuration ({string.Join(' ', argv)})");
            decoder.handle = ps_init(decoder.config);
            if (decoder.handle == 0)
                throw new SpeechUnavailableException($"speech: PocketSphinx could not load the acoustic model in {modelFolder}: {Install}");
            return decoder;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            decoder.Dispose();
            throw new SpeechUnavailableException($"speech: the PocketSphinx library cannot be loaded ({e.Message.Split('\n')[0]}): {Install}", e);
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (handle != 0)
            ps_free(handle);
        handle = 0;
        if (config != 0)
            cmd_ln_free_r(config);
        config = 0;
    }
}
