using EventEngine.Model;

namespace EventEngine.Validation;

/// <summary>Validation of Nodes and observed Pods.</summary>
public static class ObjectRules
{
    private static readonly string[] ConditionStatuses = ["True", "False", "Unknown"];
    private static readonly string[] Phases = [PodPhases.Pending, PodPhases.Running, PodPhases.Succeeded, PodPhases.Failed, PodPhases.Unknown];

    public static IReadOnlyList<FieldError> ValidateNode(Node node)
    {
        var errors = new FieldErrors();
        var name = node.Metadata?.Name;
        if (string.IsNullOrEmpty(name)) errors.Required("metadata.name");
        else if (NameRules.DnsSubdomain(name) is { } nameError) errors.Invalid("metadata.name", name, nameError);
        NameRules.Labels(node.Metadata?.Labels, "metadata.labels", errors);
        NameRules.Annotations(node.Metadata?.Annotations, "metadata.annotations", errors);
        PodSpecRules.ValidateTaints(node.Spec?.Taints, "spec.taints", errors);
        NameRules.Resources(node.Status?.Capacity, "status.capacity", errors);
        NameRules.Resources(node.Status?.Allocatable, "status.allocatable", errors);
        var conditions = node.Status?.Conditions ?? [];
        var types = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            if (string.IsNullOrEmpty(c.Type)) errors.Required($"status.conditions[{i}].type");
            else if (!types.Add(c.Type)) errors.Add($"status.conditions[{i}].type", $"Duplicate value: \"{c.Type}\"");
            if (!ConditionStatuses.Contains(c.Status)) errors.NotSupported($"status.conditions[{i}].status", c.Status, ConditionStatuses);
        }
        return errors.Errors;
    }

    public static IReadOnlyList<FieldError> ValidatePod(Pod pod, PodSpecView spec)
    {
        var errors = new FieldErrors();
        var meta = pod.Metadata;
        if (string.IsNullOrEmpty(meta?.Name)) errors.Required("metadata.name");
        else if (NameRules.DnsSubdomain(meta.Name) is { } nameError) errors.Invalid("metadata.name", meta.Name, nameError);
        if (string.IsNullOrEmpty(meta?.Namespace)) errors.Required("metadata.namespace");
        else if (NameRules.DnsLabel(meta.Namespace) is { } nsError) errors.Invalid("metadata.namespace", meta.Namespace, nsError);
        NameRules.Labels(meta?.Labels, "metadata.labels", errors);
        NameRules.Annotations(meta?.Annotations, "metadata.annotations", errors);
        var owners = meta?.OwnerReferences ?? [];
        for (var i = 0; i < owners.Count; i++)
        {
            if (string.IsNullOrEmpty(owners[i].Uid)) errors.Required($"metadata.ownerReferences[{i}].uid");
            if (string.IsNullOrEmpty(owners[i].Kind)) errors.Required($"metadata.ownerReferences[{i}].kind");
            if (string.IsNullOrEmpty(owners[i].Name)) errors.Required($"metadata.ownerReferences[{i}].name");
        }
        if (owners.Count(o => o.Controller == true) > 1)
            errors.Invalid("metadata.ownerReferences", owners.Count, "Only one reference can have Controller set to true");
        if (spec.NodeName is { Length: > 0 } node && NameRules.DnsSubdomain(node) is { } nodeError)
            errors.Invalid("spec.nodeName", node, nodeError);
        if (spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution is { } required)
            PodSpecRules.ValidateNodeSelector(required, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", errors);
        PodSpecRules.ValidateTolerations(spec.Tolerations, "spec.tolerations", errors);
        if (pod.Status?.Phase is { } phase && !Phases.Contains(phase)) errors.NotSupported("status.phase", phase, Phases);
        var conditions = pod.Status?.Conditions ?? [];
        for (var i = 0; i < conditions.Count; i++)
            if (!ConditionStatuses.Contains(conditions[i].Status))
                errors.NotSupported($"status.conditions[{i}].status", conditions[i].Status, ConditionStatuses);
        return errors.Errors;
    }
}
