<#-- Phone number entry of the configure-sms-otp required action. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('phoneNumber'); section>
    <#if section="header">
        ${msg(twoStepChoice?then("twoStepChoiceTitle", "twoStepPhoneTitle"))}
    <#elseif section="form">
        <div id="two-step-app-advice" class="${properties.kcAlertClass!} pf-m-info">
            <p class="${properties.kcAlertTitleClass!}">${msg("twoStepAppIsStronger")}</p>
            <#if twoStepChoice><p id="two-step-choice">${msg("twoStepChoiceIntro")}</p></#if>
        </div>
        <form id="kc-sms-enrol-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <#if twoStepPhoneOnFile>
                <p id="two-step-number-on-file">${msg("twoStepPhoneOnFile")}</p>
            </#if>
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormGroupLabelClass!}">
                    <label for="phoneNumber" class="${properties.kcFormLabelClass!}">
                        <span class="${properties.kcFormLabelTextClass!}">${msg("twoStepPhoneLabel")}</span>
                    </label>
                </div>
                <span class="${properties.kcInputClass!} <#if messagesPerField.existsError('phoneNumber')>${properties.kcError!}</#if>">
                    <input id="phoneNumber" name="phoneNumber" type="tel" autocomplete="tel" inputmode="tel"
                           maxlength="32" value="${twoStepPhoneValue}" autofocus
                           aria-invalid="<#if messagesPerField.existsError('phoneNumber')>true</#if>"/>
                </span>
                <div class="${properties.kcFormHelperTextClass!}" aria-live="polite">
                    <div class="${properties.kcInputHelperTextClass!}">
                        <#if messagesPerField.existsError('phoneNumber')>
                            <div class="${properties.kcInputHelperTextItemClass!} ${properties.kcError!}">
                                <span id="input-error-phoneNumber" class="${properties.kcInputErrorMessageClass!}">
                                    ${kcSanitize(messagesPerField.get('phoneNumber'))?no_esc}
                                </span>
                            </div>
                        <#else>
                            <div class="${properties.kcInputHelperTextItemClass!}">
                                <span id="two-step-phone-help">${msg(twoStepDefaultRegion?has_content?then("twoStepPhoneHelpRegion", "twoStepPhoneHelp"))}</span>
                            </div>
                        </#if>
                    </div>
                </div>
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button id="two-step-send-code" name="send" value="true" type="submit"
                            class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepSendCode")}</button>
                </div>
            </div>
        </form>
        <form id="kc-sms-enrol-alternatives" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <#if twoStepAppOffered>
                        <button id="two-step-use-app" name="use-app" value="true" type="submit"
                                class="${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepUseApp")}</button>
                    </#if>
                    <#if isAppInitiatedAction??>
                        <button id="two-step-cancel" name="cancel-aia" value="true" type="submit"
                                class="${properties.kcButtonLinkClass!}">${msg("doCancel")}</button>
                    </#if>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
