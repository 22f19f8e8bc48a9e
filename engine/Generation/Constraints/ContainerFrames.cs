namespace VLOrleans.Engine.Generation.Constraints;

public enum ArrayPhase : byte { BeforeOpen, AfterOpen, AfterItem, ExpectItem }

/// <summary>Inside a JSON array that holds <paramref name="Count"/> items so far (the item being written included).</summary>
public sealed record ArrayFrame(ArrayNode Node, ArrayPhase Phase, int Count) : GrammarFrame
{
    public override int MinRemaining => Phase switch
    {
        ArrayPhase.BeforeOpen => Node.MinBytes,
        ArrayPhase.AfterOpen => Node.MinBytes - 1,
        ArrayPhase.AfterItem => 1 + Node.MoreItemsCost(Node.MinItems - Count),
        // after the separator: one item must follow
        _ => Node.Item.MinBytes + Node.MoreItemsCost(Node.MinItems - Count - 1) + 1,
    };

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        switch (Phase)
        {
            case ArrayPhase.BeforeOpen:
                if (b == '[') output.Add(new GrammarStack(this with { Phase = ArrayPhase.AfterOpen }, rest));
                return;
            case ArrayPhase.AfterOpen when b == ']':
                if (Node.MinItems == 0) output.Add(rest);
                return;
            case ArrayPhase.AfterOpen:
                if (Node.MaxItems is 0) return;
                PushAndStep(Node.Item, new GrammarStack(this with { Phase = ArrayPhase.AfterItem, Count = 1 }, rest), b, output);
                return;
            case ArrayPhase.AfterItem:
                if (b == ']' && Count >= Node.MinItems) output.Add(rest);
                if (b == ',' && (Node.MaxItems is not { } max || Count < max))
                {
                    var expecting = new GrammarStack(this with { Phase = ArrayPhase.ExpectItem }, rest);
                    output.Add(Node.SeparatorTail is { } tail ? new GrammarStack(GrammarFrame.Fresh(tail), expecting) : expecting);
                }
                return;
            default:
                PushAndStep(Node.Item, new GrammarStack(this with { Phase = ArrayPhase.AfterItem, Count = Count + 1 }, rest), b, output);
                return;
        }
    }
}

public enum ObjectPhase : byte { BeforeOpen, AfterOpen, AfterValue, ExpectKey }

/// <summary>Inside a JSON object; <paramref name="Next"/> is the first declared property that may still come,
/// <paramref name="HasProperty"/> whether one is written (a separator is then due before the next).</summary>
public sealed record ObjectFrame(ObjectNode Node, ObjectPhase Phase, int Next, bool HasProperty) : GrammarFrame
{
    public override int MinRemaining => Phase switch
    {
        ObjectPhase.BeforeOpen => Node.MinBytes,
        ObjectPhase.AfterOpen => Node.RemainingCost(0, hasProperty: false),
        ObjectPhase.AfterValue => Node.RemainingCost(Next, hasProperty: true),
        // after a separator a property must follow
        _ => Node.AdditionalValue is { } value
            ? Node.AnyKey.MinBytes + Node.KeySeparator.MinBytes + value.MinBytes + 1
            : Node.KeyChoices(Next)!.MinBytes,
    };

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        switch (Phase)
        {
            case ObjectPhase.BeforeOpen:
                if (b == '{') output.Add(new GrammarStack(this with { Phase = ObjectPhase.AfterOpen }, rest));
                return;
            case ObjectPhase.AfterOpen:
                if (b == '}')
                {
                    if (Node.CanCloseAt(0)) output.Add(rest);
                    return;
                }
                StepKey(rest, b, output);
                return;
            case ObjectPhase.AfterValue:
                if (b == '}' && Node.CanCloseAt(Next)) output.Add(rest);
                if (b == ',' && (Node.AdditionalValue is not null || Next < Node.Properties.Count))
                {
                    var expecting = new GrammarStack(this with { Phase = ObjectPhase.ExpectKey }, rest);
                    output.Add(Node.SeparatorTail is { } tail ? new GrammarStack(GrammarFrame.Fresh(tail), expecting) : expecting);
                }
                return;
            default:
                StepKey(rest, b, output);
                return;
        }
    }

    private void StepKey(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        if (Node.AdditionalValue is { } value)
        {
            // free key: "any string" ": " value, then back here after a value
            var after = new GrammarStack(this with { Phase = ObjectPhase.AfterValue, HasProperty = true }, rest);
            var pending = new GrammarStack(new PendingFrame(value), after);
            var separator = new GrammarStack(GrammarFrame.Fresh(Node.KeySeparator), pending);
            GrammarStack.Step(new GrammarStack(GrammarFrame.Fresh(Node.AnyKey), separator), b, output);
            return;
        }
        if (Node.KeyChoices(Next) is null) return;
        new KeyFrame(Node, Next, 0).Step(rest, b, output);
    }
}

/// <summary>Inside a repeat whose <paramref name="Count"/>-th item is written (or being written); complete once there are enough.</summary>
public sealed record RepeatFrame(RepeatNode Node, int Count) : GrammarFrame
{
    public override bool IsComplete => Count >= Node.MinCount;

    public override int MinRemaining => Node.MoreCost(Node.MinCount - Count);

    public override void Step(GrammarStack? rest, byte b, List<GrammarStack?> output)
    {
        if (Count >= Node.MaxCount) return;
        var after = new GrammarStack(this with { Count = Count + 1 }, rest);
        PushAndStep(Node.Separator, new GrammarStack(new PendingFrame(Node.Item), after), b, output);
    }
}
