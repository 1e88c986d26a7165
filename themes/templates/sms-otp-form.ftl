<#-- Code entry for the sms-otp-form authenticator and the configure-sms-otp required action.
     Plain markup with the theme's kc* classes, so it renders in every login theme based on "base". -->
<#import "template.ftl" as layout>
<#import "two-step-page.ftl" as twoStep>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('code'); section>
    <#if section="header">
        ${msg("twoStepSmsTitle")}
    <#elseif section="form">
        <p id="two-step-sent-to" class="${properties.kcLabelWrapperClass!}">
            <#if twoStepCodeActive>${msg("twoStepSmsSentTo", twoStepCodeLength?c, twoStepMaskedNumber)}<#else>${msg("twoStepSmsGoesTo", twoStepMaskedNumber)}</#if>
        </p>
        <form id="kc-sms-otp-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post"
              onsubmit="this.querySelector('#kc-login').disabled = true; return true;">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormGroupLabelClass!}">
                    <label for="code" class="${properties.kcFormLabelClass!}">
                        <span class="${properties.kcFormLabelTextClass!}">${msg("twoStepSmsCodeLabel")}</span>
                    </label>
                </div>
                <span class="${properties.kcInputClass!} <#if messagesPerField.existsError('code')>${properties.kcError!}</#if>">
                    <input id="code" name="code" type="text" inputmode="numeric"
                           autocomplete="one-time-code" maxlength="${(twoStepCodeLength + 4)?c}" autofocus
                           <#if messagesPerField.existsError('code')>aria-invalid="true" aria-describedby="input-error-code"</#if>/>
                </span>
                <#if messagesPerField.existsError('code')>
                    <div class="${properties.kcFormHelperTextClass!}" aria-live="polite">
                        <div class="${properties.kcInputHelperTextClass!}">
                            <div class="${properties.kcInputHelperTextItemClass!} ${properties.kcError!}">
                                <span id="input-error-code" class="${properties.kcInputErrorMessageClass!}">
                                    ${kcSanitize(messagesPerField.get('code'))?no_esc}
                                </span>
                            </div>
                        </div>
                    </div>
                </#if>
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button id="kc-login" name="login" type="submit" style="white-space: normal"
                            class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("doLogIn")}</button>
                </div>
            </div>
        </form>
        <form id="kc-sms-resend-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button id="two-step-resend" name="resend" value="true" type="submit" style="white-space: normal"
                            class="${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}"
                            data-wait="${twoStepResendWait?c}" data-sends-left="${twoStepSendsLeft?c}"
                            data-label="${msg("twoStepSmsResend")}"
                            data-label-wait="${msg("twoStepSmsResendIn", "{0}")}"
                            data-label-ready="${msg("twoStepSmsResendReady")}"
                            <#if twoStepResendWait gt 0 || twoStepSendsLeft == 0>disabled</#if>>
                        <#if twoStepSendsLeft == 0>${msg("twoStepSmsNoMoreSendsShort")}<#elseif twoStepResendWait gt 0>${msg("twoStepSmsResendIn", twoStepResendWait?c)}<#else>${msg("twoStepSmsResend")}</#if>
                    </button>
                    <#if twoStepEnrolment>
                        <button id="two-step-change-number" name="change-number" value="true" type="submit"
                                style="white-space: normal" class="${properties.kcButtonLinkClass!}">${msg("twoStepUseDifferentNumber")}</button>
                        <#if isAppInitiatedAction??>
                            <button id="two-step-cancel" name="cancel-aia" value="true" type="submit"
                                    style="white-space: normal" class="${properties.kcButtonLinkClass!}">${msg("doCancel")}</button>
                        </#if>
                    </#if>
                </div>
            </div>
            <#-- Told to screen readers once, when the wait is over; the visible countdown is not read out every second. -->
            <span id="two-step-resend-status" aria-live="polite"
                  style="position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap"></span>
        </form>
        <script>
            <#outputformat "JavaScript">
            (function () {
                var button = document.getElementById("two-step-resend");
                var wait = parseInt(button.getAttribute("data-wait"), 10);
                if (!(wait > 0) || button.getAttribute("data-sends-left") === "0") {
                    return;
                }
                var timer = setInterval(function () {
                    wait -= 1;
                    if (wait <= 0) {
                        clearInterval(timer);
                        button.disabled = false;
                        button.textContent = button.getAttribute("data-label");
                        document.getElementById("two-step-resend-status").textContent = button.getAttribute("data-label-ready");
                    } else {
                        button.textContent = button.getAttribute("data-label-wait").replace("{0}", wait);
                    }
                }, 1000);
            })();
            </#outputformat>
        </script>
        <@twoStep.usernameBox/>
    </#if>
</@layout.registrationLayout>
