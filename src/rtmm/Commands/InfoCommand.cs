using System.CommandLine;
using Microsoft.ML.OnnxRuntime;
using RealtimeMM.Sources;
using RealtimeMM.Capture;
using RealtimeMM.Gpu;

namespace RealtimeMM.Cli.Commands;

/// <summary><c>rtmm info</c>: Vulkan devices, ONNX Runtime providers, cameras.</summary>
internal static class InfoCommand
{
    public static Command Create(Terminal terminal)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var command = new Command("info", "List Vulkan devices, ONNX Runtime execution providers and cameras") { json };
        command.SetGuardedAction(terminal, (parse, _) =>
        {
            string? vulkanError = null;
            IReadOnlyList<GpuDeviceInfo> gpus = [];
            try
            {
                gpus = VulkanDevices.Enumerate();
            }
            catch (PlatformNotSupportedException e)
            {
                vulkanError = e.Message;
            }
            var providers = OrtEnv.Instance().GetAvailableProviders();
            var cameras = FrameSource.FindCameras();
            var o = terminal.Out;
            if (parse.GetValue(json))
            {
                JsonLines.Write(o, new
                {
                    vulkan = new { devices = gpus.Select(g => new { g.Index, g.Name, g.Type, api = g.ApiVersion, compute = g.HasCompute }), error = vulkanError },
                    onnxruntime = new { version = OrtEnv.Instance().GetVersionString(), providers },
                    cameras = cameras.Select(c => new { device = c.Device, width = c.Width, height = c.Height }),
                });
                return 0;
            }
            o.WriteLine("Vulkan devices:");
            if (vulkanError is not null)
                o.WriteLine($"  none: {vulkanError}");
            else if (gpus.Count == 0)
                o.WriteLine("  none (the loader found no driver: install mesa-vulkan-drivers for lavapipe)");
            foreach (var g in gpus)
                o.WriteLine($"  [{g.Index}] {g.Name} ({g.Type}, Vulkan {g.ApiVersion}{(g.HasCompute ? ", compute" : "")}{(g.IsCpu ? "; CPU implementation: correct, not fast" : "")})");
            o.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()} providers: {string.Join(", ", providers)}");
            o.WriteLine("Cameras:");
            if (cameras.Count == 0)
                o.WriteLine("  none found (/dev/video*)");
            foreach (var c in cameras)
                o.WriteLine($"  {c.Device} ({c.Width}x{c.Height})");
            return 0;
        });
        return command;
    }
}
