// The question form's quality signals (Participation/QualitySignals.cs): whether the page was hidden
// or lost focus, whether something was pasted, whether an event was not the user's own (isTrusted
// false: a script clicked or typed), and whether any trusted pointer or key event happened at all.
// They go with the answer in hidden fields and only flag; the researcher decides what they mean.
// A file, not inline: the Content-Security-Policy allows no inline script.
(function () {
    var form = document.getElementById('question-form');
    if (!form) return;
    function set(name) {
        var field = form.querySelector('input[name="' + name + '"]');
        if (field) field.value = '1';
    }
    document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'hidden') set('QHidden'); });
    window.addEventListener('blur', function () { set('QHidden'); });
    document.addEventListener('paste', function () { set('QPasted'); }, true);
    ['pointerdown', 'keydown', 'click', 'change', 'input'].forEach(function (type) {
        document.addEventListener(type, function (e) {
            if (e.isTrusted) {
                if (type === 'pointerdown' || type === 'keydown' || type === 'click') set('QTrusted');
            } else {
                set('QUntrusted');
            }
        }, true);
    });
})();
