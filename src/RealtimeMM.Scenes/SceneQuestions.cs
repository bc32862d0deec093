using RealtimeMM.Answering;
using RealtimeMM.Bundle;
using RealtimeMM.Fusion;
using RealtimeMM.Replay;

namespace RealtimeMM.Scenes;

/// <summary>
/// Questions of every kind about a frame's ground truth, with paraphrases, and their answers.
/// "the X" is asked only when it names exactly one object; when several match, the answer says
/// so ("there are 2 cars"). Classes or colors with a barely visible, unlabeled object are not
/// counted or asked about, so no answer depends on pixels the truth does not describe.
/// </summary>
internal static class SceneQuestions
{
    public static QuestionTruth[] Ask(World world, IReadOnlyList<ObjectTruth> objects, ISet<string> unsureClasses, ISet<string> unsureColors, int width, int height, int count, Random rng)
    {
        var pool = new List<QuestionTruth>();
        var classes = world.Classes;
        var colors = world.Colors;
        IReadOnlyList<string> Templates(string kind) => world.Phrasings.TryGetValue(kind, out var t) ? t : [];
        IReadOnlyList<string> ColorTemplates = Templates("color"), CountTemplates = Templates("count"), ExistTemplates = Templates("exist"),
            PositionTemplates = Templates("position"), IdentifyTemplates = Templates("identify");
        var present = objects.Select(o => o.Class).Distinct().ToArray();
        var absent = classes.Except(present).Except(unsureClasses).ToArray();
        ObjectTruth[] OfClass(string c) => objects.Where(o => o.Class == c).ToArray();
        int[] Ids(IEnumerable<ObjectTruth> os) => os.Select(o => o.Id).ToArray();
        string Pick(IReadOnlyList<string> templates) => templates.Count == 0 ? "{0}" : templates[rng.Next(templates.Count)]; // a kind the world lacks is dropped below

        foreach (var o in objects)
        {
            var same = OfClass(o.Class);
            bool sure = !unsureClasses.Contains(o.Class);
            string position = world.PositionOf(o.Box.CenterX, o.Box.CenterY, width, height);
            if (same.Length == 1 && sure)
            {
                pool.Add(new(string.Format(Pick(ColorTemplates), o.Class), "color", o.Color, [o.Id]));
                pool.Add(new(string.Format(Pick(PositionTemplates), o.Class), "position", position, [o.Id]));
            }
            else if (same.Length > 1)
            {
                pool.Add(new(string.Format(Pick(ColorTemplates), o.Class), "color", $"there are {same.Length} {world.Plural(o.Class)}", Ids(same)));
                // "the car on the left" picks one when the two are clearly apart
                if (same.Length == 2 && sure)
                {
                    var (l, r) = same[0].Box.CenterX < same[1].Box.CenterX ? (same[0], same[1]) : (same[1], same[0]);
                    if (r.Box.CenterX - l.Box.CenterX > width / 6.0)
                    {
                        var (which, side) = rng.Next(2) == 0 ? (l, "left") : (r, "right");
                        pool.Add(new(string.Format(Pick(ColorTemplates), $"{o.Class} on the {side}"), "color", which.Color, [which.Id]));
                    }
                }
            }
            var withColor = same.Where(s => s.Color == o.Color).ToArray();
            if (withColor.Length == 1 && sure && !unsureColors.Contains(o.Color))
                pool.Add(new(string.Format(Pick(PositionTemplates), $"{o.Color} {o.Class}"), "position", position, [o.Id]));
            if (objects.Count(x => x.Color == o.Color) == 1 && !unsureColors.Contains(o.Color))
                pool.Add(new(string.Format(Pick(IdentifyTemplates), o.Color), "identify", o.Class, [o.Id]));
        }

        foreach (var c in present.Where(c => !unsureClasses.Contains(c)))
        {
            var os = OfClass(c);
            pool.Add(new(string.Format(Pick(CountTemplates), world.Plural(c)), "count", os.Length.ToString(), Ids(os)));
            pool.Add(Exist(c, true, Ids(os)));
        }
        foreach (var c in absent.OrderBy(_ => rng.Next()).Take(2))
        {
            pool.Add(new(string.Format(Pick(CountTemplates), world.Plural(c)), "count", "0", []));
            pool.Add(Exist(c, false, []));
        }
        foreach (var col in colors.Where(c => !unsureColors.Contains(c)).OrderBy(_ => rng.Next()).Take(2))
        {
            var os = objects.Where(o => o.Color == col).ToArray();
            pool.Add(new(string.Format(Pick(CountTemplates), $"{col} objects"), "count", os.Length.ToString(), Ids(os)));
        }
        // color + class: a pair that is there, and one that is not (same class, other color)
        if (objects.Count > 0)
        {
            var o = objects[rng.Next(objects.Count)];
            if (!unsureClasses.Contains(o.Class) && !unsureColors.Contains(o.Color))
                pool.Add(Exist($"{o.Color} {o.Class}", true, Ids(objects.Where(x => x.Class == o.Class && x.Color == o.Color))));
            var other = colors.Where(c => !objects.Any(x => x.Class == o.Class && x.Color == c) && !unsureColors.Contains(c)).ToArray();
            if (other.Length > 0 && !unsureClasses.Contains(o.Class))
                pool.Add(Exist($"{other[rng.Next(other.Length)]} {o.Class}", false, []));
        }

        QuestionTruth Exist(string what, bool yes, int[] ids)
        {
            string noun = what.Split(' ')[^1];
            string template = Pick(ExistTemplates);
            string q = template == "is there any {0}" && rng.Next(2) == 0
                ? $"are there any {what[..^noun.Length]}{world.Plural(noun)}"
                : string.Format(template, what, World.Article(what));
            return new(q, "exist", yes ? "yes" : "no", ids);
        }

        pool.RemoveAll(q => !world.Phrasings.ContainsKey(q.Kind));
        // An even spread over kinds: shuffle, then take round-robin by kind.
        var byKind = pool.OrderBy(_ => rng.Next()).GroupBy(q => q.Kind).Select(g => new Queue<QuestionTruth>(g)).ToList();
        var result = new List<QuestionTruth>();
        var seen = new HashSet<string>();
        while (result.Count < count && byKind.Any(q => q.Count > 0))
        {
            foreach (var q in byKind.Where(q => q.Count > 0))
            {
                var next = q.Dequeue();
                if (result.Count < count && seen.Add(next.Question))
                    result.Add(next);
            }
        }
        return result.ToArray();
    }
}
