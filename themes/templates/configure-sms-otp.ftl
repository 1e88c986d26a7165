<#-- Phone number entry of the configure-sms-otp required action. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('phoneNumber'); section>
    <#if section="header">
        ${msg(twoStepChoice?then("twoStepChoiceTitle", "twoStepPhoneTitle"))}
    <#elseif section="form">
        <#-- A PatternFly alert is a grid (icon | title, then the description below the title): each part needs its
             class, or it is placed in the icon's narrow column. -->
        <div id="two-step-app-advice" class="${properties.kcAlertClass!} pf-m-info">
            <div class="${properties.kcAlertIconClass!}"><span class="${properties.kcFeedbackInfoIcon!}" aria-hidden="true"></span></div>
            <p class="${properties.kcAlertTitleClass!}">${msg("twoStepAppIsStronger")}</p>
            <#if twoStepChoice><p id="two-step-choice" class="${properties.kcAlertDescriptionClass!}">${msg("twoStepChoiceIntro")}</p></#if>
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
                           <#if messagesPerField.existsError('phoneNumber')>aria-invalid="true" aria-describedby="input-error-phoneNumber"<#else>aria-describedby="two-step-phone-help"</#if>/>
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
                    <button id="two-step-send-code" name="send" value="true" type="submit" style="white-space: normal"
                            class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepSendCode")}</button>
                </div>
            </div>
        </form>
        <form id="kc-sms-enrol-alternatives" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <#if twoStepAppOffered>
                        <button id="two-step-use-app" name="use-app" value="true" type="submit" style="white-space: normal"
                                class="${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepUseApp")}</button>
                    </#if>
                    <#if isAppInitiatedAction??>
                        <button id="two-step-cancel" name="cancel-aia" value="true" type="submit" style="white-space: normal"
                                class="${properties.kcButtonLinkClass!}">${msg("doCancel")}</button>
                    </#if>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
