using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace RealtimeMM.Cli.Bench;

/// <summary>The benchmark report's PNG plots (OxyPlot, rendered with SkiaSharp), each titled with the machine.</summary>
internal static class Plots
{
    /// <summary>Histogram of latencies (ms) per stage, overlaid.</summary>
    public static void Histograms(string file, string title, string machine, IReadOnlyDictionary<string, IReadOnlyList<double>> stages, int bins = 40)
    {
        var model = Model(title, machine);
        double max = stages.Values.SelectMany(v => v).DefaultIfEmpty(1).Max() * 1.02, width = max / bins;
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "latency (ms)", Minimum = 0, Maximum = max });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "frames", Minimum = 0 });
        foreach (var (name, values) in stages)
        {
            var counts = new int[bins];
            foreach (var v in values)
                counts[Math.Min(bins - 1, (int)(v / width))]++;
            var s = new StairStepSeries { Title = name, StrokeThickness = 2 };
            for (int b = 0; b < bins; b++)
                s.Points.Add(new DataPoint(b * width, counts[b]));
            model.Series.Add(s);
        }
        Save(model, file);
    }

    /// <summary>Lines of y against x, one per series (e.g. frames/s against resolution).</summary>
    public static void Lines(string file, string title, string machine, string xTitle, string yTitle, IReadOnlyDictionary<string, IReadOnlyList<(double X, double Y)>> series, bool logX = false)
    {
        var model = Model(title, machine);
        model.Axes.Add(logX ? new LogarithmicAxis { Position = AxisPosition.Bottom, Title = xTitle } : new LinearAxis { Position = AxisPosition.Bottom, Title = xTitle });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle, Minimum = 0 });
        foreach (var (name, points) in series)
        {
            var s = new LineSeries { Title = name, MarkerType = MarkerType.Circle, StrokeThickness = 2 };
            foreach (var (x, y) in points)
                s.Points.Add(new DataPoint(x, y));
            model.Series.Add(s);
        }
        Save(model, file);
    }

    /// <summary>Grouped horizontal bars: for each category (a stage), one bar per series (e.g. CPU, Vulkan).</summary>
    public static void Bars(string file, string title, string machine, string valueTitle, IReadOnlyList<string> categories, IReadOnlyDictionary<string, IReadOnlyList<double>> series)
    {
        var model = Model(title, machine);
        var axis = new CategoryAxis { Position = AxisPosition.Left };
        axis.Labels.AddRange(categories);
        model.Axes.Add(axis);
        // room on the right of the longest bar for its value label; the legend below the plot, off the bars
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Bottom, Title = valueTitle, MaximumPadding = 0.25 });
        model.Legends[0].LegendPlacement = OxyPlot.Legends.LegendPlacement.Outside;
        model.Legends[0].LegendPosition = OxyPlot.Legends.LegendPosition.BottomCenter;
        model.Legends[0].LegendOrientation = OxyPlot.Legends.LegendOrientation.Horizontal;
        model.TitleHorizontalAlignment = TitleHorizontalAlignment.CenteredWithinView;
        foreach (var (name, values) in series)
        {
            var s = new BarSeries { Title = name, LabelFormatString = "{0:0.###}" };
            foreach (var v in values)
                s.Items.Add(new BarItem(Math.Max(v, 1e-4)));
            model.Series.Add(s);
        }
        Save(model, file);
    }

    static PlotModel Model(string title, string machine) => new()
    {
        Title = title,
        Subtitle = machine,
        Background = OxyColors.White,
        // distinct colors for up to eight series (OxyPlot's default cycle repeats red at the fifth)
        DefaultColors = [OxyColor.FromRgb(0x1F, 0x77, 0xB4), OxyColor.FromRgb(0xFF, 0x7F, 0x0E), OxyColor.FromRgb(0x2C, 0xA0, 0x2C), OxyColor.FromRgb(0xD6, 0x27, 0x28),
            OxyColor.FromRgb(0x94, 0x67, 0xBD), OxyColor.FromRgb(0x8C, 0x56, 0x4B), OxyColor.FromRgb(0xE3, 0x77, 0xC2), OxyColor.FromRgb(0x7F, 0x7F, 0x7F)],
        Legends = { new OxyPlot.Legends.Legend { LegendPosition = OxyPlot.Legends.LegendPosition.TopRight } },
    };

    static bool fontsChecked;

    static void Save(PlotModel model, string file)
    {
        if (!fontsChecked)
        {
            fontsChecked = true;
            // SkiaSharp's no-dependency build finds fonts under /usr/share/fonts only; without any, the plots come out blank
            if (SkiaSharp.SKFontManager.Default.FontFamilyCount == 0)
                Console.Error.WriteLine($"{file}: no fonts under /usr/share/fonts, so the plots have no text (install fonts-dejavu-core)");
        }
        // no text shaping: it needs HarfBuzz's native library, and plot labels are plain Latin text
        var exporter = new OxyPlot.SkiaSharp.PngExporter { Width = 1100, Height = 560, UseTextShaping = false };
        string partial = file + ".partial";
        try
        {
            using (var stream = File.Create(partial))
                exporter.Export(model, stream);
            File.Move(partial, file, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
