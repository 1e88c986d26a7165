<#import "template.ftl" as layout>
<#-- A security notice of keycloak-two-step (HTML part); every value is escaped as HTML. See text/two-step-notice.ftl. -->
<@layout.emailLayout>
<p>${msg(noticeKey + "Body", noticeParams[0], noticeParams[1], noticeParams[2], noticeParams[3], noticeParams[4])}</p>
<p><strong>${msg(noticeKey + "NotYou")}</strong></p>
<p style="color:#6a6e73">${msg("twoStepNoticeFooter", noticeParams[0])}</p>
</@layout.emailLayout>
