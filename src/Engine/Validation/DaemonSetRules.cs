using EventEngine.Model;
using EventEngine.Placement;

namespace EventEngine.Validation;

/// <summary>ValidateDaemonSet and ValidateDaemonSetUpdate (apps/v1), applied to a defaulted object.</summary>
public static class DaemonSetRules
{
    public static IReadOnlyList<FieldError> ValidateCreate(DaemonSet ds)
    {
        var errors = new FieldErrors();
        ValidateMeta(ds.Metadata, errors);
        ValidateSpec(ds.Spec, errors);
        return errors.Errors;
    }

    /// <summary>Update rules: everything a create checks, and spec.selector may not change.</summary>
    public static IReadOnlyList<FieldError> ValidateUpdate(DaemonSet updated, DaemonSet existing)
    {
        var errors = new FieldErrors();
        ValidateMeta(updated.Metadata, errors);
        ValidateSpec(updated.Spec, errors);
        if (!LabelSelectors.SameSelector(updated.Spec?.Selector, existing.Spec?.Selector)) errors.Immutable("spec.selector");
        return errors.Errors;
    }

    private static void ValidateMeta(ObjectMeta? meta, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(meta?.Name)) errors.Required("metadata.name", "name or generateName is required");
        else if (NameRules.DnsSubdomain(meta.Name) is { } nameError) errors.Invalid("metadata.name", meta.Name, nameError);
        if (string.IsNullOrEmpty(meta?.Namespace)) errors.Required("metadata.namespace");
        else if (NameRules.DnsLabel(meta.Namespace) is { } nsError) errors.Invalid("metadata.namespace", meta.Namespace, nsError);
        NameRules.Labels(meta?.Labels, "metadata.labels", errors);
        NameRules.Annotations(meta?.Annotations, "metadata.annotations", errors);
    }

    private static void ValidateSpec(DaemonSetSpec? spec, FieldErrors errors)
    {
        if (spec is null)
        {
            errors.Required("spec");
            return;
        }
        ValidateSelector(spec.Selector, "spec.selector", errors);
        if (spec.Template is null)
        {
            errors.Required("spec.template");
        }
        else
        {
            NameRules.Labels(spec.Template.Labels, "spec.template.metadata.labels", errors);
            NameRules.Annotations(spec.Template.Annotations, "spec.template.metadata.annotations", errors);
            if (spec.Selector is { IsEmpty: false } selector && !LabelSelectors.Matches(selector, spec.Template.Labels))
                errors.Invalid("spec.template.metadata.labels", Format(spec.Template.Labels), "`selector` does not match template `labels`");
            PodSpecRules.Validate(spec.Template.Spec, "spec.template.spec", errors);
            if (spec.Template.Spec.RestartPolicy is { } policy && policy != "Always")
                errors.NotSupported("spec.template.spec.restartPolicy", policy, "Always");
            if (spec.Template.Spec.ActiveDeadlineSeconds is not null)
                errors.Forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported");
            if (spec.Template.Spec.EphemeralContainers is { ValueKind: System.Text.Json.JsonValueKind.Array } e && e.GetArrayLength() > 0)
                errors.Forbidden("spec.template.spec.ephemeralContainers", "ephemeral containers not allowed in pod template");
        }
        if (spec.MinReadySeconds < 0) errors.Invalid("spec.minReadySeconds", spec.MinReadySeconds, "must be greater than or equal to 0");
        if (spec.RevisionHistoryLimit < 0) errors.Invalid("spec.revisionHistoryLimit", spec.RevisionHistoryLimit, "must be greater than or equal to 0");
        ValidateStrategy(spec.UpdateStrategy, "spec.updateStrategy", errors);
    }

    private static void ValidateSelector(LabelSelector? selector, string path, FieldErrors errors)
    {
        if (selector is null)
        {
            errors.Required(path);
            return;
        }
        NameRules.Labels(selector.MatchLabels, path + ".matchLabels", errors);
        var expressions = selector.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var r = expressions[i];
            var at = $"{path}.matchExpressions[{i}]";
            if (string.IsNullOrEmpty(r.Key)) errors.Required(at + ".key");
            else if (NameRules.QualifiedName(r.Key) is { } keyError) errors.Invalid(at + ".key", r.Key, keyError);
            switch (r.Operator)
            {
                case "In" or "NotIn" when (r.Values?.Count ?? 0) == 0:
                    errors.Required(at + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
                    break;
                case "Exists" or "DoesNotExist" when (r.Values?.Count ?? 0) > 0:
                    errors.Forbidden(at + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    break;
                case "In" or "NotIn" or "Exists" or "DoesNotExist":
                    break;
                default:
                    errors.NotSupported(at + ".operator", r.Operator, "In", "NotIn", "Exists", "DoesNotExist");
                    break;
            }
        }
        if (selector.IsEmpty) errors.Invalid(path, "{}", "empty selector is invalid for daemonset");
    }

    private static void ValidateStrategy(DaemonSetUpdateStrategy? strategy, string path, FieldErrors errors)
    {
        switch (strategy?.Type)
        {
            case DaemonSetUpdateStrategy.OnDeleteType:
                return;
            case DaemonSetUpdateStrategy.RollingUpdateType:
                if (strategy.RollingUpdate is not { } rolling)
                {
                    errors.Required(path + ".rollingUpdate");
                    return;
                }
                var unavailable = ValidateIntOrPercent(rolling.MaxUnavailable, path + ".rollingUpdate.maxUnavailable", errors);
                var surge = ValidateIntOrPercent(rolling.MaxSurge, path + ".rollingUpdate.maxSurge", errors);
                if (unavailable != 0 && surge != 0)
                    errors.Invalid(path + ".rollingUpdate.maxSurge", rolling.MaxSurge?.ToString(), "may not be set when maxUnavailable is non-zero");
                else if (unavailable == 0 && surge == 0)
                    errors.Required(path + ".rollingUpdate.maxUnavailable", "cannot be 0 when maxSurge is 0");
                return;
            default:
                errors.NotSupported(path + ".type", strategy?.Type, DaemonSetUpdateStrategy.RollingUpdateType, DaemonSetUpdateStrategy.OnDeleteType);
                return;
        }
    }

    /// <summary>ValidatePositiveIntOrPercent and IsNotMoreThan100Percent; returns the value for the zero checks.</summary>
    private static int ValidateIntOrPercent(IntOrString? value, string path, FieldErrors errors)
    {
        if (value is not { } v) return 0;
        if (v.Int is { } i)
        {
            if (i < 0) errors.Invalid(path, i, "must be greater than or equal to 0");
            return i;
        }
        if (!v.TryGetPercent(out var percent))
        {
            errors.Invalid(path, v.Str, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%')");
            return -1;
        }
        if (percent > 100) errors.Invalid(path, v.Str, "must not be greater than 100%");
        return percent;
    }

    private static string Format(IReadOnlyDictionary<string, string> labels) =>
        "map[" + string.Join(" ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + ":" + l.Value)) + "]";
}
